/**
 * The SBOM fixture Go program (tests/testdata/sbom/app: a replaced local dependency, one with
 * an uppercase path, one from a file GOPROXY with a real go.sum hash) set up for `ko` runs:
 * copied out of the repository (so `go build` stamps no VCS data) with the environment that
 * builds it offline.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { runOk } from "../helpers/tools.ts";

const APP_DIR = fileURLToPath(new URL("../testdata/sbom/app", import.meta.url));
const PROXY_DIR = fileURLToPath(new URL("../testdata/sbom/proxy", import.meta.url));

/** The fixture's module (its main package is the module root). */
export const SBOM_APP_MODULE = "example.com/sbomtest/App";
/** The binary name ko gives it. */
export const SBOM_APP_NAME = "App";

/** Copies the fixture app under `dir`; returns the module directory. */
export async function copySbomApp(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await runOk("cp", ["-r", APP_DIR, join(dir, "app")]);
  return join(dir, "app");
}

/** The environment that builds the fixture offline, its module cache under `dir`. */
export function sbomAppEnv(dir: string): Record<string, string> {
  return {
    GOPROXY: `file://${PROXY_DIR}`,
    GOSUMDB: "off",
    GOFLAGS: "-mod=readonly -modcacherw",
    GOMODCACHE: join(dir, "modcache"),
    GOTOOLCHAIN: "local",
  };
}

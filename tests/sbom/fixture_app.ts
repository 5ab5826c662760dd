/**
 * Builds the SBOM fixture Go program (tests/testdata/sbom/app) with the real Go toolchain,
 * offline: two dependencies are local `replace` modules and one (`example.com/lib`) is served
 * by a file GOPROXY kept in tests/testdata/sbom/proxy, so it carries a real go.sum hash.
 */
import { fileURLToPath } from "node:url";

/** The fixture module directory. */
export const FIXTURE_APP_DIR = fileURLToPath(new URL("../testdata/sbom/app", import.meta.url));
const PROXY_DIR = fileURLToPath(new URL("../testdata/sbom/proxy", import.meta.url));

/** A built fixture binary and the temp dir holding it; call `cleanup` when done. */
export interface BuiltFixture {
  binary: string;
  dir: string;
  cleanup: () => Promise<void>;
}

/** `go build`s the fixture for linux/amd64 (or `goarch`) into a temp dir. */
export async function buildFixtureApp(goarch = "amd64"): Promise<BuiltFixture> {
  const dir = await Deno.makeTempDir({ prefix: "ko-sbom-" });
  const binary = `${dir}/out-${crypto.randomUUID()}`;
  const out = await new Deno.Command("go", {
    args: ["build", "-trimpath", "-buildvcs=false", "-o", binary, "."],
    cwd: FIXTURE_APP_DIR,
    env: {
      CGO_ENABLED: "0",
      GOOS: "linux",
      GOARCH: goarch,
      GOPROXY: `file://${PROXY_DIR}`,
      GOSUMDB: "off",
      GOFLAGS: "-mod=readonly -modcacherw",
      GOWORK: "off",
      GOTOOLCHAIN: "local",
      GOMODCACHE: `${dir}/modcache`,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    await Deno.remove(dir, { recursive: true });
    throw new Error(`go build of the SBOM fixture failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { binary, dir, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

/**
 * What the distribution tests share: a user's machine in a temporary directory (a home, a
 * PATH holding only the programs a test allows, a Deno cache of its own) and a Go app whose
 * kodata layer is big enough to be compressed by the layer workers rather than inline.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeGoApp } from "../helpers/go_app.ts";
import { findExecutable, runOk } from "../helpers/tools.ts";

/** The repository root (with no trailing slash). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** The kodata file's size: over the 4 MiB that layers compress inline (src/layer/compress.ts). */
const BIG_KODATA_BYTES = 6 << 20;

/** Options of {@link userMachine}. */
interface UserMachineOptions {
  /** Programs to put on PATH (found on this machine's PATH); default `["go", "deno"]`. */
  programs?: string[];
}

/** A user's machine: where things live and the environment to run commands with. */
interface UserMachine {
  home: string;
  /** The one directory on PATH. */
  bin: string;
  /** This machine's DENO_DIR: its own module cache, sharing the real npm package cache. */
  denoDir: string;
  env: Record<string, string>;
}

let goEnv: Promise<Record<string, string>> | undefined;

/** Go's caches on this machine, so builds in a fresh home stay warm. */
function goCaches(): Promise<Record<string, string>> {
  goEnv ??= runOk("go", ["env", "-json", "GOCACHE", "GOMODCACHE"]).then((r) =>
    JSON.parse(r.stdout) as Record<string, string>
  );
  return goEnv;
}

/**
 * A machine in `dir`: `home/`, `bin/` (symlinks to the allowed programs, the pinned Deno as
 * `deno`) and a DENO_DIR whose `npm` folder is the real one (no network for the packages, but
 * remote modules and Deno's own state — its update check's `latest.txt` — start empty).
 */
export async function userMachine(
  dir: string,
  opts: UserMachineOptions = {},
): Promise<UserMachine> {
  const home = join(dir, "home");
  const bin = join(dir, "bin");
  const denoDir = join(dir, "deno-dir");
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(bin, { recursive: true });
  await Deno.mkdir(denoDir, { recursive: true });
  for (const program of opts.programs ?? ["go", "deno"]) {
    const path = program === "deno" ? Deno.execPath() : findExecutable(program);
    if (!path) throw new Error(`${program} is not on PATH`);
    await Deno.symlink(path, join(bin, program));
  }
  const realNpm = join(await realDenoDir(), "npm");
  await Deno.mkdir(realNpm, { recursive: true });
  await Deno.symlink(realNpm, join(denoDir, "npm"));
  const env: Record<string, string> = {
    PATH: bin,
    HOME: home,
    DENO_DIR: denoDir,
    NO_COLOR: "1",
    GOPROXY: "off",
    GOFLAGS: "-buildvcs=false",
    ...await goCaches(),
  };
  return { home, bin, denoDir, env };
}

let denoDir: Promise<string> | undefined;

/** This machine's DENO_DIR, as `deno info` names it. */
function realDenoDir(): Promise<string> {
  denoDir ??= runOk(Deno.execPath(), ["info", "--json"]).then((r) =>
    (JSON.parse(r.stdout) as { denoDir: string }).denoDir
  );
  return denoDir;
}

/**
 * A Go app (`example.com/big`) in `dir` with a `.ko.yaml` naming the built-in `scratch` base
 * and a kodata file of 6 MiB, plus `pod.yaml` referring to it by `ko://`. Returns `dir`.
 */
export async function bigKodataApp(dir: string): Promise<string> {
  await writeGoApp(dir, {
    module: "example.com/big",
    files: {
      "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("big") }\n',
      ".ko.yaml": "defaultBaseImage: scratch\n",
      "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n" +
        "  containers:\n    - name: big\n      image: ko://example.com/big\n",
    },
  });
  await Deno.mkdir(join(dir, "kodata"));
  // Random bytes: the compressed layer stays as big as the file.
  const filler = new Uint8Array(BIG_KODATA_BYTES);
  for (let i = 0; i < filler.length; i += 65536) {
    crypto.getRandomValues(filler.subarray(i, i + 65536));
  }
  await Deno.writeFile(join(dir, "kodata", "filler.bin"), filler);
  return dir;
}

/** The OCI layout's blobs bigger than the inline limit (the layers the workers compressed). */
export async function bigBlobs(layout: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(layout, "blobs", "sha256"))) {
    const st = await Deno.stat(join(layout, "blobs", "sha256", e.name));
    if (st.size > 4 << 20) out.push(e.name);
  }
  return out;
}

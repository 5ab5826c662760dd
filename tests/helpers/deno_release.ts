/**
 * Another Deno release than the pinned one (e.g. an older one, to see what ko says to it),
 * installed from npm into the test cache once (`$KO_TEST_CACHE`, default
 * `~/.cache/ko-ts/deno-<version>`), decided before the test that needs it is registered.
 *
 * @example
 * ```ts
 * const old = await denoRelease("2.0.0");
 * Deno.test({ ...requires("an old Deno is refused", old.unavailable), fn: () => run(old.path!, …) });
 * ```
 */
import { join } from "node:path";
import { findExecutable } from "./tools.ts";

/** A Deno release: its binary, or why it cannot be had here. */
export interface DenoRelease {
  path?: string;
  unavailable?: string;
}

/** Installs `deno@<version>` from npm into the test cache unless it is there already. */
export async function denoRelease(version: string): Promise<DenoRelease> {
  const home = Deno.env.get("HOME") ?? "/tmp";
  const cache = Deno.env.get("KO_TEST_CACHE") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(home, ".cache"), "ko-ts");
  const dir = join(cache, `deno-${version}`);
  const bin = join(dir, "node_modules", "deno", "deno");
  if (await isFile(bin)) return { path: bin };
  const npm = findExecutable("npm");
  if (!npm) return { unavailable: `npm is not on PATH (to install deno@${version})` };
  await Deno.mkdir(cache, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: cache, prefix: `.deno-${version}-` });
  try {
    await Deno.writeTextFile(join(tmp, "package.json"), '{"private":true}\n');
    const out = await new Deno.Command(npm, {
      args: [
        "install",
        "--prefix",
        tmp,
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `deno@${version}`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
      return { unavailable: `npm install deno@${version} failed: ${err}` };
    }
    await Deno.rename(tmp, dir);
    return { path: bin };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Whether `deno compile` can get its denort runtime here, decided before a test that needs it
 * is registered (top-level await), once per process:
 *
 * 1. `DENORT_BIN` is set (deno compile then uses that binary): yes;
 * 2. Deno's cache already holds the runtime of this Deno version
 *    (`$DENO_DIR/dl/release/v<version>/denort-<target>.zip`): yes;
 * 3. otherwise a probe: `deno compile` of an empty module, stopped after 2 s. It succeeds
 *    (and has cached the runtime): yes; it fails downloading the runtime (no DNS, no route, an
 *    HTTP error): no, with deno's own error as the reason; it fails otherwise, or is still
 *    downloading at 2 s (a slow but working network): yes, so the test runs and shows what
 *    happens.
 *
 * @example
 * ```ts
 * Deno.test({ ...requires("a compiled program runs", await denortUnavailableReason()), fn });
 * ```
 */
import { join } from "node:path";

/** How long the probe may take. */
const PROBE_MS = 2000;

let decided: Promise<string | undefined> | undefined;

/** Why `deno compile` cannot get denort here, or `undefined` when it can (cached per process). */
export function denortUnavailableReason(): Promise<string | undefined> {
  decided ??= decide();
  return decided;
}

/** Where `deno compile` keeps the runtime it downloaded for this Deno version and target. */
export function cachedDenortPath(): string | undefined {
  const home = Deno.env.get("HOME");
  const denoDir = Deno.env.get("DENO_DIR") ??
    (Deno.build.os === "linux"
      ? join(Deno.env.get("XDG_CACHE_HOME") ?? (home ? join(home, ".cache") : ""), "deno")
      : undefined);
  if (!denoDir) return undefined; // elsewhere: the probe decides
  return join(denoDir, "dl", "release", `v${Deno.version.deno}`, `denort-${Deno.build.target}.zip`);
}

async function decide(): Promise<string | undefined> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) return undefined; // deno compile reads it (and says so if it is not there)
  const cached = cachedDenortPath();
  if (cached && (await exists(cached))) return undefined;
  return await probe();
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function probe(): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "ko-denort-probe-" });
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), PROBE_MS);
  try {
    await Deno.writeTextFile(join(dir, "probe.ts"), "");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "--no-check", "-o", join(dir, "probe"), join(dir, "probe.ts")],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
      signal: stop.signal,
    }).output();
    if (out.success || stop.signal.aborted) return undefined;
    const err = new TextDecoder().decode(out.stderr).split("Stack backtrace:")[0]!;
    if (!/Setting up base binary|dl\.deno\.land|denort/i.test(err)) return undefined;
    // deno's chain of causes ("0: Setting up base binary. … 4: failed to lookup address…"):
    // the last is the root one.
    const causes = [...err.matchAll(/^\s*\d+: (.+)$/gm)].map((m) => m[1]!.trim());
    const cause = causes.at(-1) ?? err.trim().split("\n").at(-1) ?? "";
    return `deno compile cannot download its denort runtime from dl.deno.land (${cause}); ` +
      "set DENORT_BIN to a denort binary of this Deno version to run it";
  } finally {
    clearTimeout(timer);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Starts, at start-up, the `go build`s a `ko build` of one package will most likely run, so
 * they run while the builder's modules load, the configuration is read and the base image is
 * resolved (which otherwise all come first: ~50 ms of a warm rebuild).
 *
 * The prediction is the invocation the builder makes when there is no configuration file and
 * no flag that changes it: `go build -trimpath -o <kept output>/out <import path>` in the
 * working directory, with `CGO_ENABLED=0`, the platform's `GOOS`/`GOARCH`… and the process
 * environment; the import path read from go.mod, the platforms from `--platform` or
 * `GOOS`/`GOARCH` (linux/amd64 by default), at most `--jobs` of them. Each kept output
 * directory is locked first, as for any build. A platform build then claims the lock, and
 * adopts the running `go build` only when the invocation it decides is exactly this one (go
 * command, directory, arguments and environment); otherwise the prefetched build is stopped
 * and the real one runs. Anything not claimed is stopped and released by
 * {@link settleGoBuilds}.
 *
 * Like go_list_prefetch.ts, this module is loaded before the builder: it must stay light.
 */
import { dirname, join, relative, resolve } from "../util/posix_path.ts";
import { CONFIG_EXTENSIONS } from "../config/config_file.ts";
import { goEnvForPlatform, resolvePlatformSpec } from "../oci/platform.ts";
import { defaultOutputRoot, type LockedDir, lockOutputDir, outputDirFor } from "./build_output.ts";
import type { GoBuildInvocation } from "./go_build.ts";
import type { Semaphore } from "../util/concurrency.ts";
import { isLocalImport } from "./go_list.ts";
import { debug } from "../util/log.ts";
import { goCommandOutput } from "../util/command.ts";

/** The flags that decide whether the default invocation applies, and how many builds run. */
export interface GoBuildPrefetchOptions {
  readonly platforms: readonly string[];
  /** `--jobs`: at most this many builds are started. */
  readonly jobs: number;
  readonly ldflags: readonly string[];
  readonly disableOptimizations: boolean;
  readonly debug: boolean;
}

interface Prefetched {
  readonly plan: GoBuildInvocation;
  readonly controller: AbortController;
  /** The lock, until a platform build claims it. */
  lock?: Promise<LockedDir | undefined>;
  /** The build's outcome (never rejects). */
  readonly result: Promise<Deno.CommandOutput | Error>;
  adopted: boolean;
  /** The `--jobs` slot reserved for it ({@link reserveSlots}), until a platform build takes it. */
  slot?: () => void;
}

/** Environment settings of the configuration that change the invocation or its platform. */
const CONFIG_ENV = ["KO_DEFAULTPLATFORMS", "KO_DEFAULTENV", "KO_DEFAULTFLAGS", "KO_DEFAULTLDFLAGS"];

/** Prefetched builds by kept output directory. */
const prefetched = new Map<string, Prefetched>();

/**
 * The invocations a build of `args` would make by default, one per platform (at most
 * `jobs`), or none when they cannot be predicted cheaply (several packages, a configuration
 * file, flags or environment that change the invocation, `--platform=all`, no go.mod, no kept
 * output directory).
 */
export function predictGoBuilds(
  cwd: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  options: GoBuildPrefetchOptions,
): GoBuildInvocation[] {
  try {
    if (args.length > 1 || hasConfigFile(cwd, env)) return [];
    if (options.ldflags.length > 0 || options.disableOptimizations || options.debug) return [];
    if ((env.GOFLAGS ?? "").includes("toolexec")) return [];
    if (CONFIG_ENV.some((name) => (env[name] ?? "") !== "")) return [];
    const arg = (args[0] ?? ".").replace(/^ko:\/\//, "");
    const importPath = isLocalImport(arg) ? localImportPath(resolve(cwd, arg)) : arg;
    if (importPath === undefined || importPath === "" || importPath.startsWith("-")) return [];
    const spec = resolvePlatformSpec({ flag: [...options.platforms], env });
    if (spec.all || spec.platforms.some((p) => !p.os || !p.architecture)) return [];
    let root: string | undefined;
    if (env.KOCACHE) {
      const kocache = resolve(cwd, env.KOCACHE);
      if (!Deno.statSync(kocache).isDirectory) return [];
      root = join(kocache, "bin");
    } else {
      root = defaultOutputRoot(env);
    }
    if (root === undefined) return [];
    return spec.platforms.slice(0, Math.max(1, options.jobs)).map((platform) => ({
      goPath: env.KO_GO_PATH || "go",
      dir: resolve(cwd, "."),
      args: [
        "build",
        "-trimpath",
        "-o",
        join(outputDirFor(root, importPath, platform), "out"),
        importPath,
      ],
      env: { CGO_ENABLED: "0", ...goEnvForPlatform(platform), ...env },
    }));
  } catch {
    return []; // the build finds and reports whatever is wrong
  }
}

/** How long start-up waits for the output directory's lock before giving up the prefetch. */
const LOCK_WAIT_MS = 25;

/**
 * Starts the predicted `go build`s of `args` (see {@link predictGoBuilds}), each once its
 * output directory is locked, and resolves to how many started: a lock another ko process
 * holds is not waited for. `signal` stops them.
 */
export async function prefetchGoBuilds(
  cwd: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  options: GoBuildPrefetchOptions,
  signal?: AbortSignal,
): Promise<number> {
  const plans = predictGoBuilds(cwd, env, args, options);
  const started = await Promise.all(plans.map((plan) => prefetch(plan, signal)));
  return started.filter(Boolean).length;
}

/** Starts one predicted build once its output directory is locked; whether it started. */
async function prefetch(plan: GoBuildInvocation, signal?: AbortSignal): Promise<boolean> {
  const dir = dirname(plan.args[plan.args.length - 2]!);
  if (prefetched.has(dir)) return false;
  const locking = lockOutputDir(dir).catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const held = await Promise.race([
    locking,
    new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), LOCK_WAIT_MS)),
  ]);
  clearTimeout(timer);
  if (held === undefined) {
    void locking.then((late) => late?.release()); // busy: let the build wait for it instead
    return false;
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let result: Promise<Deno.CommandOutput | Error>;
  try {
    result = goCommandOutput(
      plan.goPath,
      { args: plan.args, cwd: plan.dir, env: plan.env },
      controller.signal,
    ).catch((e) => e instanceof Error ? e : new Error(String(e)));
  } catch (e) {
    result = Promise.resolve(e instanceof Error ? e : new Error(String(e)));
  }
  result = result.finally(() => signal?.removeEventListener("abort", onAbort));
  prefetched.set(dir, { plan, controller, lock: Promise.resolve(held), result, adopted: false });
  return true;
}

/**
 * The lock on a kept output directory a prefetched build holds, handed to the caller (who
 * releases it as if it had taken it: the lock is let go once the prefetched build, stopped if
 * not adopted, has exited); undefined when there is none. Waits until the lock is held.
 */
export function claimPrefetchedLock(dir: string): Promise<LockedDir | undefined> | undefined {
  const p = prefetched.get(dir);
  if (p?.lock === undefined) return undefined;
  const lock = p.lock;
  p.lock = undefined;
  return lock.then((held) =>
    held && {
      path: held.path,
      release: () => {
        p.controller.abort();
        void p.result.then(() => held.release());
      },
    }
  );
}

/**
 * Counts the prefetched builds against `--jobs`: each gets a slot of `jobs` (free, since at
 * most `--jobs` were started), held until the platform build that takes it over is done with
 * it ({@link takeReservedSlot}) or, for one nobody takes, until it has exited.
 */
export function reserveSlots(jobs: Semaphore): void {
  for (const p of prefetched.values()) {
    if (p.adopted || p.slot !== undefined) continue;
    void jobs.acquire().then((release) => {
      p.slot = release;
      // Exited before a platform build took it over (or never taken over): the slot is free.
      void p.result.then(() => p.slot?.());
    }, () => {});
  }
}

/**
 * The `--jobs` slot held for the prefetched build of exactly `plan`, handed to the caller (who
 * releases it when done); undefined when there is none, and the caller takes a slot itself.
 */
export function takeReservedSlot(plan: GoBuildInvocation): (() => void) | undefined {
  const p = prefetchOf(plan);
  if (p === undefined || p.adopted || p.lock !== undefined) return undefined;
  if (!samePlan(p.plan, plan)) {
    p.controller.abort(); // not this build: stop it, which frees its slot for this one
    return undefined;
  }
  if (p.slot === undefined) return undefined;
  const slot = p.slot;
  p.slot = undefined;
  return slot;
}

function prefetchOf(plan: GoBuildInvocation): Prefetched | undefined {
  const out = plan.args.indexOf("-o");
  return out < 0 ? undefined : prefetched.get(dirname(plan.args[out + 1]!));
}

/**
 * The outcome of the prefetched build of `plan`'s output when it ran exactly `plan`; undefined
 * otherwise, after stopping a different prefetched build there (so `plan` can run).
 */
export async function adoptPrefetchedBuild(
  plan: GoBuildInvocation,
): Promise<Deno.CommandOutput | undefined> {
  const out = plan.args.indexOf("-o");
  if (out < 0) return undefined;
  const p = prefetched.get(dirname(plan.args[out + 1]!));
  if (p === undefined || p.adopted || p.lock !== undefined) return undefined;
  p.adopted = true;
  if (samePlan(p.plan, plan)) {
    debug(`go build: taking over the one started at start-up for ${dirname(plan.args[out + 1]!)}`);
    const result = await p.result;
    return result instanceof Error ? undefined : result; // not started: run it anew
  }
  debug("go build: the one started at start-up was not this one; stopping it");
  p.controller.abort();
  await p.result;
  return undefined;
}

/**
 * Stops prefetched builds nobody adopted and releases locks nobody claimed; the build handler
 * calls it when the build is over, whatever happened.
 */
export async function settleGoBuilds(): Promise<void> {
  const all = [...prefetched.values()];
  prefetched.clear();
  await Promise.all(all.map(async (p) => {
    if (!p.adopted) p.controller.abort();
    await p.result;
    const lock = p.lock === undefined ? undefined : await p.lock;
    lock?.release();
  }));
}

function samePlan(a: GoBuildInvocation, b: GoBuildInvocation): boolean {
  if (a.goPath !== b.goPath || a.dir !== b.dir) return false;
  if (a.args.length !== b.args.length || a.args.some((x, i) => x !== b.args[i])) return false;
  const ak = Object.keys(a.env);
  return ak.length === Object.keys(b.env).length && ak.every((k) => a.env[k] === b.env[k]);
}

/** Whether a configuration file may change the invocation. */
function hasConfigFile(cwd: string, env: Readonly<Record<string, string>>): boolean {
  if ((env.KO_CONFIG_PATH ?? "") !== "") return true;
  return CONFIG_EXTENSIONS.some((ext) => {
    try {
      Deno.statSync(join(cwd, `.ko.${ext}`));
      return true;
    } catch {
      return false;
    }
  });
}

/** The import path of the package in `dir` from the nearest go.mod, as `go list` gives it. */
function localImportPath(dir: string): string | undefined {
  for (let root = dir;; root = dirname(root)) {
    let text: string | undefined;
    try {
      text = Deno.readTextFileSync(join(root, "go.mod"));
    } catch { /* not here */ }
    if (text !== undefined) {
      const m = /^\s*module\s+("?)([^\s"]+)\1\s*(?:\/\/.*)?$/m.exec(text);
      if (!m) return undefined;
      const rel = relative(root, dir);
      return rel === "" ? m[2] : `${m[2]}/${rel}`;
    }
    if (root === "/") return undefined;
  }
}

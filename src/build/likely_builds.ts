/**
 * What `ko build` starts at start-up, while the rest of ko loads, the configuration is read
 * and the base image is resolved: the `go list` of its arguments, and the `go build`s it will
 * most likely run. Only where a configuration file cannot change them, and planned by the one
 * planner the real build uses (config/build_plan.ts), so the guess cannot drift from it; the
 * runner takes a guessed build over only when the real plan is exactly the same.
 *
 * Loaded before the builder: keep its imports light.
 */
import { goBuildInvocation, NO_DEFAULTS } from "../config/build_plan.ts";
import { findConfigFile } from "../config/config_file.ts";
import type { GoBuildInvocation } from "../go/go_build.ts";
import { goBinaryPath } from "../go/go_command.ts";
import type { GoLister } from "../go/go_lister.ts";
import type { GoRunner } from "../go/go_runner.ts";
import { GoTools } from "../go/go_tools.ts";
import type { RunProgress } from "../progress/run_progress.ts";
import { isLocalImport, moduleImportPath } from "../go/import_path.ts";
import { goEnvForPlatform, resolvePlatformSpec } from "../oci/platform.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";
import { dirname, join, resolve } from "../util/posix_path.ts";
import { defaultOutputRoot, lockOutputDir, OutputDirs } from "./build_output.ts";

/** The flags that decide the likely builds, and how many run. */
export interface LikelyBuildOptions {
  readonly platforms: readonly string[];
  /** `--jobs`: at most this many builds are started. */
  readonly jobs: number;
  readonly ldflags: readonly string[];
  readonly disableOptimizations: boolean;
  readonly debug: boolean;
}

/**
 * A run's Go toolchain, with the `go list` of `args` and their likely `go build`s started
 * (see {@link listEarly} and {@link startLikelyBuilds}).
 */
export async function startEarly(
  cwd: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  options: LikelyBuildOptions,
  progress: Pick<RunProgress, "span">,
  signal?: AbortSignal,
): Promise<GoTools> {
  const go = new GoTools(options.jobs, (name, detail) => progress.span(name, detail));
  listEarly(go.lister, cwd, env, args);
  await startLikelyBuilds(go.runner, cwd, env, args, options, signal);
  return go;
}

/** Environment settings of the configuration that change the builds or their platforms. */
const CONFIG_ENV = ["KO_DEFAULTPLATFORMS", "KO_DEFAULTENV", "KO_DEFAULTFLAGS", "KO_DEFAULTLDFLAGS"];

/** How long start-up waits for an output directory's lock before not starting its build. */
const LOCK_WAIT_MS = 25;

/**
 * Starts `go list` for the import paths of a build in `cwd`, unless a configuration file may
 * send it elsewhere (one with `builds`), and returns the paths listed. The answers land in
 * `lister`, where the builder asks. Everything before the spawn is synchronous on purpose:
 * module loading keeps the event loop busy, so an awaited check would only start `go list`
 * once the loading is over.
 */
export function listEarly(
  lister: GoLister,
  cwd: string,
  env: Readonly<Record<string, string>>,
  importPaths: readonly string[],
): string[] {
  try {
    const file = findConfigFile(cwd, env);
    if (file && /builds/i.test(Deno.readTextFileSync(file.path))) return [];
  } catch {
    return []; // the build finds and reports what is wrong
  }
  const listed = [...new Set(importPaths.map(withoutKoScheme))]
    .filter((arg) => arg !== "" && !arg.startsWith("-"));
  for (const arg of listed) lister.list(cwd, [arg]).catch(() => {}); // reported when asked
  return listed;
}

/**
 * The `go build`s a build of `args` would run when nothing configures them: one per platform
 * (at most `--jobs`), or none when they cannot be known cheaply (several packages, a
 * configuration file or `KO_DEFAULT*` variable, templated `--ldflags`, `--platform=all`, no
 * go.mod, no kept output directory).
 */
export async function likelyBuilds(
  cwd: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  options: LikelyBuildOptions,
): Promise<GoBuildInvocation[]> {
  try {
    if (args.length > 1 || findConfigFile(cwd, env) !== undefined) return [];
    if (CONFIG_ENV.some((name) => (env[name] ?? "") !== "")) return [];
    if (options.ldflags.some((l) => l.includes("{{"))) return [];
    const arg = withoutKoScheme(args[0] ?? ".");
    const importPath = isLocalImport(arg) ? moduleImportPath(resolve(cwd, arg)) : arg;
    if (importPath === undefined || importPath === "" || importPath.startsWith("-")) return [];
    const spec = resolvePlatformSpec({ flag: [...options.platforms], env });
    if (spec.all || spec.platforms.some((p) => !p.os || !p.architecture)) return [];
    const outputs = new OutputDirs(keptRoot(cwd, env));
    const plans: GoBuildInvocation[] = [];
    for (const platform of spec.platforms.slice(0, Math.max(1, options.jobs))) {
      const dir = outputs.dirFor(importPath, platform);
      if (dir === undefined) return [];
      plans.push(
        await goBuildInvocation({
          defaults: NO_DEFAULTS,
          importPath,
          platformEnv: goEnvForPlatform(platform),
          processEnv: env,
          cliLdflags: options.ldflags,
          disableOptimizations: options.disableOptimizations || options.debug,
          cwd,
          goPath: goBinaryPath(env),
          output: join(dir, "out"),
        }),
      );
    }
    return plans;
  } catch {
    return []; // the build finds and reports whatever is wrong
  }
}

/**
 * Starts the {@link likelyBuilds} of `args` on `runner`, each once its output directory is
 * locked (one another ko process holds is not waited for); resolves to how many started.
 */
export async function startLikelyBuilds(
  runner: GoRunner,
  cwd: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  options: LikelyBuildOptions,
  signal?: AbortSignal,
): Promise<number> {
  const plans = await likelyBuilds(cwd, env, args, options);
  const started = await Promise.all(plans.map(async (plan) => {
    const dir = dirname(plan.args[plan.args.indexOf("-o") + 1]!);
    const locking = lockOutputDir(dir).catch(() => undefined);
    // A free lock is taken by the time a file-system call made after it returns; only a busy
    // one is waited for, a little, on a timer (whose first use costs a few milliseconds).
    let lock = await Promise.race([locking, Deno.stat(dir).then(() => undefined, () => undefined)]);
    if (lock === undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      lock = await Promise.race([
        locking,
        new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), LOCK_WAIT_MS)),
      ]);
      clearTimeout(timer);
    }
    if (lock === undefined) {
      void locking.then((late) => late?.release()); // busy: the build will wait for it instead
      return false;
    }
    return await runner.start(plan, lock, signal);
  }));
  return started.filter(Boolean).length;
}

/** Where kept outputs live: `$KOCACHE/bin` (an existing KOCACHE), else the user cache dir's. */
function keptRoot(cwd: string, env: Readonly<Record<string, string>>): string | undefined {
  if (!env.KOCACHE) return defaultOutputRoot(env);
  const kocache = resolve(cwd, env.KOCACHE);
  return Deno.statSync(kocache).isDirectory ? join(kocache, "bin") : undefined;
}

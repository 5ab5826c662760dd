/**
 * Runs the `go build`s of one run, at most `--jobs` at a time, and lets a build be started
 * early: at start-up, before the builder has loaded, read the configuration and resolved the
 * base image, the command may start the build it will most likely ask for. When the builder
 * then asks for exactly that invocation (go, directory, arguments and environment), it takes
 * the early build over; otherwise the early build is stopped and the asked-for one runs.
 *
 * An early build holds the lock on its output directory (given by the caller) until the
 * platform build claims it ({@link GoRunner.claimLock}), and a `--jobs` slot while it runs.
 */
import { Semaphore } from "../util/concurrency.ts";
import type { Reporter } from "../progress/reporter.ts";
import { dirname } from "../util/posix_path.ts";
import { goCommandOutput } from "./go_command.ts";
import { buildOutput, checkGoBuild, type GoBuildInvocation, sameInvocation } from "./go_build.ts";

/** A held lock on a build's output directory. */
export interface HeldLock {
  /** The directory. */
  readonly path: string;
  /** Lets the lock go. */
  release(): void;
}

interface EarlyBuild {
  readonly plan: GoBuildInvocation;
  readonly stop: AbortController;
  /** The build's outcome (never rejects). */
  readonly outcome: Promise<Deno.CommandOutput | Error>;
  /** The lock, until a platform build claims it. */
  lock: HeldLock | undefined;
  /** When it was started (`performance.now()`). */
  readonly started: number;
  /** Taken over by {@link GoRunner.build}, or found to be another invocation. */
  decided: boolean;
}

/** The go builds of one run. */
export class GoRunner {
  readonly #jobs: Semaphore;
  /** Early builds by output directory. */
  readonly #early = new Map<string, EarlyBuild>();

  /** `jobs`: how many go builds may run at once (`--jobs`). */
  constructor(jobs: number) {
    this.#jobs = new Semaphore(jobs);
  }

  /**
   * Starts `plan` now, holding `lock` (its output directory's) and a `--jobs` slot; returns
   * false (and releases `lock`) when a build into that directory was started already.
   * `signal` stops it.
   */
  async start(plan: GoBuildInvocation, lock: HeldLock, signal?: AbortSignal): Promise<boolean> {
    const out = buildOutput(plan);
    if (out === undefined || this.#early.has(dirname(out))) {
      lock.release();
      return false;
    }
    const release = await this.#jobs.acquire();
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const outcome = run(plan, stop.signal).finally(() => {
      signal?.removeEventListener("abort", onAbort);
      release();
    });
    const started = performance.now();
    this.#early.set(dirname(out), { plan, stop, outcome, lock, decided: false, started });
    return true;
  }

  /**
   * The lock an early build holds on `dir`, handed to the caller, who releases it as its own
   * (the early build, stopped unless taken over, has exited by then); undefined when none.
   */
  claimLock(dir: string): HeldLock | undefined {
    const early = this.#early.get(dir);
    const lock = early?.lock;
    if (early === undefined || lock === undefined) return undefined;
    early.lock = undefined;
    return {
      path: lock.path,
      release: () => {
        if (!early.decided) early.stop.abort();
        void early.outcome.then(() => lock.release());
      },
    };
  }

  /**
   * Runs `plan` (a slot of `--jobs` held meanwhile), or takes over the early build of exactly
   * `plan`; throws ko's `build: go build: exit status N: …` when it fails. `label` (`<import
   * path> for <platform>`) names it in the log: `Building <label>` when it starts, and at
   * debug level `Built <label>` when it is done (tests read the pair to see builds overlap, or
   * not, under `--jobs`).
   */
  async build(
    plan: GoBuildInvocation,
    label: string,
    report: Reporter,
    signal?: AbortSignal,
  ): Promise<void> {
    const early = this.#earlyFor(plan);
    let outcome: Deno.CommandOutput | Error | undefined;
    if (early) {
      early.decided = true;
      if (sameInvocation(early.plan, plan)) {
        report.debug(
          `go build: taking over the one started at start-up for ${buildOutput(plan)}`,
        );
        report.phase("go build", early.started);
        report.info(`Building ${label}`);
        outcome = await early.outcome;
        // One that could not be started at all is run anew.
        if (outcome instanceof Error && !signal?.aborted) outcome = undefined;
      } else {
        report.debug("go build: the one started at start-up was not this one; stopping it");
        early.stop.abort();
        await early.outcome;
      }
    }
    outcome ??= await this.#jobs.run(() => {
      report.phase("go build");
      report.info(`Building ${label}`);
      return run(plan, signal);
    }, signal);
    checkGoBuild(plan, outcome, signal);
    report.debug(`Built ${label}`);
  }

  /** Stops the early builds nobody took over, and lets go of the locks nobody claimed. */
  async close(): Promise<void> {
    const all = [...this.#early.values()];
    this.#early.clear();
    await Promise.all(all.map(async (early) => {
      if (!early.decided) early.stop.abort();
      await early.outcome;
      early.lock?.release();
    }));
  }

  /** The undecided early build writing where `plan` writes, if any. */
  #earlyFor(plan: GoBuildInvocation): EarlyBuild | undefined {
    const out = buildOutput(plan);
    const early = out === undefined ? undefined : this.#early.get(dirname(out));
    return early && !early.decided ? early : undefined;
  }
}

/** Runs a go build to completion; its outcome, never a rejection. */
function run(plan: GoBuildInvocation, signal?: AbortSignal): Promise<Deno.CommandOutput | Error> {
  return goCommandOutput(plan.goPath, { args: plan.args, cwd: plan.dir, env: plan.env }, signal)
    .catch((e) => e instanceof Error ? e : new Error(String(e)));
}

/**
 * Runs the `go build`s of one run, at most `--jobs` at a time, and lets a build be started
 * early: at start-up, before the builder has loaded, read the configuration and resolved the
 * base image, the command may start the build it will most likely ask for. When the builder
 * then asks for exactly that invocation (go, directory, arguments and environment), it takes
 * the early build over; otherwise the early build is stopped and the asked-for one runs.
 *
 * An early build holds the lock on its output directory (given by the caller) until the
 * platform build claims it ({@link GoRunner.claimLock}), and a `--jobs` slot while it runs.
 *
 * Builds that wait for a slot together and differ only in package and output run as one
 * `go build` when the slot comes (go_batch.ts): a slot is a go process, however many images it
 * builds. A package whose build is announced (its reference was checked) is waited for, a
 * moment at most, so that the images of one run gather in one batch.
 */
import { Semaphore } from "../util/concurrency.ts";
import type { Reporter } from "../progress/reporter.ts";
import { dirname } from "../util/posix_path.ts";
import { goCommandOutput } from "./go_command.ts";
import { buildOutput, checkGoBuild, type GoBuildInvocation, sameInvocation } from "./go_build.ts";
import { type BatchMember, type BuildOutcome, runBatch, takeBatch } from "./go_batch.ts";

/** How long builds waiting for a slot wait at most for announced ones to join them. */
const GATHER_MS = 300;

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

/** What a go build is for: how it is named and reported, and what stops it. */
export interface GoBuildJob {
  /** `<import path> for <platform>`, for the log. */
  readonly label: string;
  /** The package's import path; builds that name it may run in one batch. */
  readonly importPath?: string;
  readonly report: Reporter;
  readonly signal?: AbortSignal;
}

/** A build waiting for a `--jobs` slot. */
interface Queued extends BatchMember {
  readonly signal?: AbortSignal;
  /** Reports that it runs. */
  readonly start: () => void;
  readonly settle: (outcome: BuildOutcome) => void;
}

/** The go builds of one run. */
export class GoRunner {
  readonly #jobs: Semaphore;
  /** Early builds by output directory. */
  readonly #early = new Map<string, EarlyBuild>();
  /** Builds waiting for a slot, in order. */
  readonly #queue: Queued[] = [];
  /** Packages announced and not asked for yet, and those asked for. */
  readonly #announced = new Set<string>();
  readonly #asked = new Set<string>();
  /** Wake slot holders waiting for announced builds. */
  readonly #waiters = new Set<() => void>();

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
   * Runs `plan` (a slot of `--jobs` held meanwhile, maybe with others in one batch), or takes
   * over the early build of exactly `plan`; throws ko's `build: go build: exit status N: …`
   * when it fails. The job's label names it in the log: `Building <label>` when it starts, and
   * at debug level `Built <label>` when it is done (tests read the pair to see builds overlap,
   * or not, under `--jobs`).
   */
  async build(plan: GoBuildInvocation, job: GoBuildJob): Promise<void> {
    const { label, report, signal } = job;
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
    outcome ??= await this.#queued({
      plan,
      ...(job.importPath !== undefined ? { importPath: job.importPath } : {}),
      ...(signal ? { signal } : {}),
      start: once(() => {
        report.phase("go build");
        report.info(`Building ${label}`);
      }),
    });
    checkGoBuild(plan, outcome, signal);
    report.debug(`Built ${label}`);
  }

  /**
   * Says that a go build of `importPath` will be asked for soon (its reference was checked):
   * builds waiting for a slot wait for it, at most {@link GATHER_MS}, to run with it.
   */
  announce(importPath: string): void {
    if (!this.#asked.has(importPath)) this.#announced.add(importPath);
  }

  /** Queues a build for a slot; when one comes, it runs with the queued builds it can join. */
  #queued(member: Omit<Queued, "settle">): Promise<BuildOutcome> {
    if (member.importPath !== undefined) {
      this.#asked.add(member.importPath);
      this.#announced.delete(member.importPath);
    }
    for (const wake of this.#waiters) wake();
    return new Promise((settle) => this.#enqueue({ ...member, settle }));
  }

  /** Puts a build in the queue (`first`: at its head) and asks a slot for it. */
  #enqueue(entry: Queued, first = false): void {
    if (first) this.#queue.unshift(entry);
    else this.#queue.push(entry);
    this.#jobs.acquire(entry.signal).then(
      (release) => this.#runNext(release),
      (e: unknown) => {
        // Stopped while waiting: unless a batch took it meanwhile, it ends here.
        const i = this.#queue.indexOf(entry);
        if (i < 0) return;
        this.#queue.splice(i, 1);
        entry.settle(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  /** With a slot: the next batch of the queue (nothing when batches took every build). */
  async #runNext(release: () => void): Promise<void> {
    try {
      await this.#gathered();
      const batch = takeBatch(this.#queue);
      if (batch.length === 0) return;
      for (const m of batch) m.start();
      const outcomes = await runBatch(batch, run, everyAborted(batch.map((m) => m.signal)));
      // A failed batch: each builds again on its own, at once as slots allow, with its own
      // outcome (a slow one does not hold the others' errors back).
      if (outcomes === undefined) {
        for (const m of [...batch].reverse()) this.#enqueue({ ...m, alone: true }, true);
      } else batch.forEach((m, i) => m.settle(outcomes[i]!));
    } finally {
      release();
    }
  }

  /** Resolves once every announced build was asked for, or {@link GATHER_MS} later. */
  async #gathered(): Promise<void> {
    const deadline = performance.now() + GATHER_MS;
    while (this.#announced.size > 0 && this.#queue.length > 0) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let waiter: (() => void) | undefined;
      await new Promise<void>((wake) => {
        waiter = wake;
        this.#waiters.add(wake);
        timer = setTimeout(wake, left);
      });
      clearTimeout(timer);
      this.#waiters.delete(waiter!);
    }
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

/**
 * A signal that aborts once every given one has (a batch stops when no image still wants it);
 * undefined when one of them can never abort.
 */
function everyAborted(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  if (signals.some((s) => s === undefined)) return undefined;
  const all = signals as AbortSignal[];
  if (all.length === 1) return all[0];
  const stop = new AbortController();
  const check = () => {
    if (all.every((s) => s.aborted)) stop.abort(all[0]!.reason);
  };
  for (const s of all) s.addEventListener("abort", check, { once: true });
  check();
  return stop.signal;
}

/** `fn`, run the first time only. */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) fn();
    done = true;
  };
}

/** Runs a go build to completion; its outcome, never a rejection. */
function run(plan: GoBuildInvocation, signal?: AbortSignal): Promise<Deno.CommandOutput | Error> {
  return goCommandOutput(plan.goPath, { args: plan.args, cwd: plan.dir, env: plan.env }, signal)
    .catch((e) => e instanceof Error ? e : new Error(String(e)));
}

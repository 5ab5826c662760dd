/**
 * Concurrency tools: the one counting semaphore (`--jobs` bounds), and the one fail-fast
 * fan-out that runs tasks together and stops them all at the first failure.
 */

/**
 * A counting semaphore: at most `size` holders at once, served in arrival order. A size below
 * 1 (or not a number) means 1; `Infinity` means no bound.
 *
 * @example
 * ```ts
 * const jobs = new Semaphore(2);
 * await Promise.all(refs.map((r) => jobs.run(() => build(r))));
 * ```
 */
export class Semaphore {
  /** How many may hold it at once. */
  readonly size: number;
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.size = Number.isFinite(size) ? Math.max(1, Math.floor(size)) : size > 0 ? size : 1;
    this.#free = this.size;
  }

  /**
   * Waits for a slot; the returned function releases it (calling it again does nothing). A
   * wait that `signal` aborts rejects with its reason and takes no slot.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#free > 0) this.#free--;
    else {
      // A releasing holder hands its slot over directly, so no newcomer slips in between.
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.#waiting.indexOf(wake);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiting.push(wake);
      });
    }
    return this.#releaser();
  }

  /** A slot now, synchronously, or undefined when none is free. */
  tryAcquire(): (() => void) | undefined {
    if (this.#free === 0) return undefined;
    this.#free--;
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }

  /** Runs `task` while holding a slot; a task still waiting when `signal` aborts never starts. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }
}

/** A task of a fan-out: it gets the signal that stops it when another task fails. */
type Task<T> = (signal: AbortSignal) => Promise<T>;

/**
 * Runs `tasks` together and yields each result as it arrives, with the task's index. The
 * first failure aborts the signal every task was given; once all tasks have settled it is
 * thrown (later failures, consequences of the abort, are dropped), so no task outlives the
 * fan-out. An abort of `signal` stops the tasks the same way. A consumer that stops iterating
 * early stops the remaining tasks and waits for them too.
 *
 * @example
 * ```ts
 * for await (const { index, value } of asCompleted(platforms.map((p) => (s) => build(p, s)))) {
 *   console.log(platforms[index], value);
 * }
 * ```
 */
export async function* asCompleted<T>(
  tasks: readonly Task<T>[],
  signal?: AbortSignal,
): AsyncGenerator<{ index: number; value: T }> {
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  let failure: { error: unknown } | undefined;
  const pending = new Map<number, Promise<{ index: number; value?: T }>>();
  tasks.forEach((task, index) => {
    pending.set(
      index,
      Promise.resolve().then(() => {
        stop.signal.throwIfAborted(); // a task not started before a failure never starts
        return task(stop.signal);
      }).then(
        (value) => ({ index, value }),
        (error: unknown) => {
          if (!failure) {
            failure = { error };
            stop.abort(error);
          }
          return { index };
        },
      ),
    );
  });
  try {
    while (pending.size > 0 && !failure) {
      const done = await Promise.race(pending.values());
      pending.delete(done.index);
      if (!failure) yield { index: done.index, value: done.value as T };
    }
  } finally {
    if (pending.size > 0) {
      if (!stop.signal.aborted) stop.abort(new DOMException("stopped", "AbortError"));
      await Promise.all(pending.values());
    }
    signal?.removeEventListener("abort", forward);
  }
  if (failure) throw failure.error;
}

/** Every task's result in input order, or the first failure (see {@link asCompleted}). */
export async function allOrNothing<T>(
  tasks: readonly Task<T>[],
  signal?: AbortSignal,
): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  for await (const { index, value } of asCompleted(tasks, signal)) results[index] = value;
  return results;
}

/**
 * Maps `items` with at most `limit` calls of `fn` at a time; results keep input order. The
 * first failure stops the rest: calls not yet started never start.
 */
export function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const slots = new Semaphore(limit);
  let failed = false; // set before the failing call gives its slot to the next one
  return allOrNothing(items.map((item, i) => (signal) =>
    slots.run(async () => {
      if (failed) throw new DOMException("stopped after a failure", "AbortError");
      try {
        return await fn(item, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }, signal)
  ));
}

/** Bounding how many asynchronous tasks run at once (`--jobs`). */

/**
 * Runs at most `limit` tasks at a time, starting queued ones in call order. A task queued
 * when the signal aborts is never started and rejects with the abort reason.
 *
 * @example
 * ```ts
 * const limit = new Limiter(2);
 * await Promise.all(refs.map((r) => limit.run(() => build(r))));
 * ```
 */
export class Limiter {
  readonly limit: number;
  #running = 0;
  #queue: (() => void)[] = [];

  /** `limit` below 1 (or not a number) means 1. */
  constructor(limit: number) {
    this.limit = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : limit > 0 ? limit : 1;
  }

  /** Runs `task` once a slot is free. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#running >= this.limit) {
      // A finishing task hands its slot over directly, so no newcomer can slip in between.
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

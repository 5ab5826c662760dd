/**
 * Remembering asynchronous answers: one promise per key, so the first call's work serves every
 * later call with the same key (a `go list`, a `go env`, a base image…), concurrent ones too.
 */

/** One promise per key. A promise that rejects is forgotten, so a later call tries again. */
export class Memo<T> {
  readonly #promises = new Map<string, Promise<T>>();

  /** The promise remembered for `key`, else `make()`'s, remembered. */
  get(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.#promises.get(key);
    if (p === undefined) {
      p = make();
      this.remember(key, p);
    }
    return p;
  }

  /** Remembers `promise` for `key` unless something is remembered for it already. */
  remember(key: string, promise: Promise<T>): void {
    if (this.#promises.has(key)) return;
    this.#promises.set(key, promise);
    promise.catch(() => {
      if (this.#promises.get(key) === promise) this.#promises.delete(key);
    });
  }

  /** Whether something is remembered for `key`. */
  has(key: string): boolean {
    return this.#promises.has(key);
  }

  /** Waits until every remembered promise has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#promises.values()]);
  }
}

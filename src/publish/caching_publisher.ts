/**
 * Memoises publishing: the same result published for the same import path is published once
 * (one shared promise), as ko's caching publisher does for resolve's repeated references.
 */
import type { BuildResult, Image } from "../image/image.ts";
import type { Publisher } from "./publisher.ts";

/** Wraps a publisher so repeated (importPath, result) pairs share one publish. */
export class CachingPublisher implements Publisher {
  readonly #inner: Publisher;
  readonly #cache = new Map<string, { result: BuildResult; ref: Promise<string> }>();

  constructor(inner: Publisher) {
    this.#inner = inner;
  }

  publish(result: BuildResult, importPath: string, signal?: AbortSignal): Promise<string> {
    const hit = this.#cache.get(importPath);
    if (hit && hit.result.digest === result.digest) return hit.ref;
    const ref = this.#inner.publish(result, importPath, signal);
    this.#cache.set(importPath, { result, ref });
    ref.catch(() => {
      if (this.#cache.get(importPath)?.ref === ref) this.#cache.delete(importPath);
    });
    return ref;
  }

  prepare(image: Image, importPath: string, signal?: AbortSignal): void {
    this.#inner.prepare?.(image, importPath, signal);
  }

  order(importPaths: readonly string[]): void {
    this.#inner.order?.(importPaths);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  abort(): Promise<void> {
    return this.#inner.abort?.() ?? Promise.resolve();
  }
}

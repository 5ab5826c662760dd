/**
 * Memoises a Builder: each reference is built once per process (one shared promise), so
 * `ko resolve` with the same `ko://` string in many places builds it once.
 */
import type { BuildResult } from "../image/image.ts";
import type { Builder } from "../build/go_builder.ts";

/** Wraps a builder so repeated builds of a reference share one result. */
export class CachingBuilder implements Builder {
  readonly #builds = new Map<string, Promise<BuildResult>>();
  readonly #checks = new Map<string, Promise<void>>();

  constructor(private readonly inner: Builder) {}

  qualify(importPath: string): Promise<string> {
    return this.inner.qualify(importPath);
  }

  check(ref: string): Promise<void> {
    return memo(this.#checks, ref, () => this.inner.check(ref));
  }

  build(ref: string, signal?: AbortSignal): Promise<BuildResult> {
    return memo(this.#builds, ref, () => this.inner.build(ref, signal));
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, fn: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = fn();
    cache.set(key, p);
  }
  return p;
}

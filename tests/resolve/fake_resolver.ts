/**
 * A stand-in for the builder and publisher in resolver tests (the real ones are tested in
 * their own modules and end to end): it turns `ko://x` into
 * `registry.example/app@sha256:<sha256 of "ko://x">`, records every call, and can delay,
 * fail or honour cancellation.
 */
import { createHash } from "node:crypto";
import type { ReferenceResolver } from "../../src/resolve/resolver.ts";

/** The deterministic reference the fake publishes for `ref`. */
export function fakeDigestRef(ref: string): string {
  return `registry.example/app@sha256:${createHash("sha256").update(ref).digest("hex")}`;
}

/** Options of {@link fakeResolver}. */
export interface FakeResolverOptions {
  /** Milliseconds to wait before answering for a reference (default 0). */
  delay?: (ref: string) => number;
  /** Reject for this reference with this error. */
  fail?: (ref: string) => Error | undefined;
}

/** A recording fake resolver: `calls` lists references in call order, `maxInFlight` the peak. */
export function fakeResolver(options: FakeResolverOptions = {}): ReferenceResolver & {
  calls: string[];
  maxInFlight: number;
  aborted: string[];
} {
  let inFlight = 0;
  const fn = Object.assign(
    async (ref: string, signal?: AbortSignal): Promise<string> => {
      fn.calls.push(ref);
      inFlight++;
      fn.maxInFlight = Math.max(fn.maxInFlight, inFlight);
      try {
        const ms = options.delay?.(ref) ?? 0;
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            clearTimeout(timer);
            fn.aborted.push(ref);
            reject(new DOMException("aborted", "AbortError"));
          };
          const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          }, ms);
          if (signal?.aborted) onAbort();
          else signal?.addEventListener("abort", onAbort, { once: true });
        });
        const err = options.fail?.(ref);
        if (err) throw err;
        return fakeDigestRef(ref);
      } finally {
        inFlight--;
      }
    },
    { calls: [] as string[], maxInFlight: 0, aborted: [] as string[] },
  );
  return fn;
}

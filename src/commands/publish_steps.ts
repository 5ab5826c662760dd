/**
 * The steps the build verbs (build, run, resolve, apply, create, deps) share, with ko's error
 * messages: qualify and check an import path, build it, publish it, and run a whole verb's
 * publishing so that outputs waiting for the end are written only when everything succeeded.
 */
import type { Builder } from "../build/go_builder.ts";
import type { BuildResult } from "../image/image.ts";
import type { Publisher } from "../publish/publisher.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { Session } from "./session.ts";

/**
 * The `ko://` reference of an import path, checked to be buildable; failures read
 * `importpath "<ip>" is not supported: …`.
 */
export async function qualifyImportPath(builder: Builder, importPath: string): Promise<string> {
  try {
    const ref = await builder.qualify(importPath);
    await builder.check(ref);
    return ref;
  } catch (e) {
    throw new KoError(`importpath "${importPath}" is not supported: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

/** Builds a checked reference; failures read `error building "<label>": …`. */
export async function buildReference(
  builder: Builder,
  ref: string,
  label: string,
  signal?: AbortSignal,
): Promise<BuildResult> {
  try {
    return await builder.build(ref, signal);
  } catch (e) {
    throw new KoError(`error building "${label}": ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Builds and publishes a checked reference and returns the reference to print; failures read
 * `error building "<label>": …` or `error publishing "<label>": …`.
 */
export async function buildAndPublish(
  { builder, publisher }: { builder: Builder; publisher: Publisher },
  ref: string,
  label: string,
  signal?: AbortSignal,
): Promise<string> {
  const result = await buildReference(builder, ref, label, signal);
  try {
    return await publisher.publish(result, ref, signal);
  } catch (e) {
    throw new KoError(`error publishing "${label}": ${errorMessage(e)}`, { cause: e });
  }
}

/** A reference built from the command line and what its publisher printed for it. */
export interface PublishedImage {
  /** The `ko://` reference that was built. */
  readonly ref: string;
  /** The reference the publisher returned (the line `ko build` prints). */
  readonly image: string;
}

/**
 * `ko build` and `ko run`: qualifies and checks every import path (concurrently), then builds
 * and publishes each distinct reference once (concurrently; the builder and publisher bound
 * the work). Results come in the order of each reference's first import path. The first
 * failure stops the other builds and pushes (no `go build` outlives ko) and is what is thrown.
 */
export async function publishImportPaths(
  session: Pick<Session, "builder" | "publisher">,
  importPaths: readonly string[],
  signal?: AbortSignal,
): Promise<PublishedImage[]> {
  const qualified = await Promise.all(importPaths.map(async (ip) => ({
    ip,
    ref: await qualifyImportPath(session.builder, ip),
  })));
  const unique = [...new Map(qualified.map((q) => [q.ref, q])).values()];
  session.publisher.order?.(unique.map((u) => u.ref));
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  if (signal?.aborted) forward();
  signal?.addEventListener("abort", forward, { once: true });
  let failure: { error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(unique.map(async ({ ip, ref }) => {
      try {
        return { ref, image: await buildAndPublish(session, ref, ip, stop.signal) };
      } catch (e) {
        failure ??= { error: e };
        stop.abort(e);
        throw e;
      }
    }));
    if (failure) throw failure.error;
    return settled.map((s) => (s as PromiseFulfilledResult<PublishedImage>).value);
  } finally {
    signal?.removeEventListener("abort", forward);
  }
}

/**
 * Runs a verb's publishing: `work`, then the publisher's `close` (tarball, `--image-refs`, the
 * layout index), then `afterClose` with the result. On any failure the publisher's partial
 * outputs are undone (`abort`) and the error is thrown; the session is closed either way.
 */
export async function withPublishing<T>(
  session: Session,
  work: () => Promise<T>,
  afterClose: (result: T) => Promise<void> = () => Promise.resolve(),
): Promise<T> {
  try {
    const result = await work();
    await session.publisher.close();
    await afterClose(result);
    return result;
  } catch (e) {
    await session.publisher.abort?.();
    throw e;
  } finally {
    session.close();
  }
}

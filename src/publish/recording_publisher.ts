/**
 * `--image-refs FILE`: records every published reference (an index's children too, as
 * `<repo>@<child digest>`) and writes the file whole when publishing finished — never a partial
 * file when a later image fails.
 */
import type { BuildResult, Image } from "../image/image.ts";
import { checkWritableTarget, writeFileAtomic } from "../util/atomic_file.ts";
import { type Publisher, PublishOrder } from "./publisher.ts";

/** Wraps a publisher and writes the references it returned to a file at close. */
export class RecordingPublisher implements Publisher {
  readonly #lines: { rank: number; lines: string[] }[] = [];
  readonly #order = new PublishOrder();

  private constructor(private readonly inner: Publisher, private readonly path: string) {}

  /** Checks that the file can be written before anything is built. */
  static async create(inner: Publisher, path: string): Promise<RecordingPublisher> {
    await checkWritableTarget(path, "--image-refs");
    return new RecordingPublisher(inner, path);
  }

  async publish(result: BuildResult, importPath: string, signal?: AbortSignal): Promise<string> {
    const ref = await this.inner.publish(result, importPath, signal);
    const lines = [ref];
    if (result.kind === "index") {
      const repo = stripTagAndDigest(ref);
      for (const c of result.children) lines.push(`${repo}@${c.descriptor.digest}`);
    }
    this.#lines.push({ rank: this.#order.rank(importPath), lines });
    return ref;
  }

  order(importPaths: readonly string[]): void {
    this.#order.set(importPaths);
    this.inner.order?.(importPaths);
  }

  prepare(image: Image, importPath: string, signal?: AbortSignal): void {
    this.inner.prepare?.(image, importPath, signal);
  }

  async close(): Promise<void> {
    await this.inner.close();
    const lines = this.#lines.toSorted((a, b) => a.rank - b.rank).flatMap((p) => p.lines);
    await writeFileAtomic(this.path, lines.map((l) => l + "\n").join(""));
  }

  abort(): Promise<void> {
    return this.inner.abort?.() ?? Promise.resolve();
  }
}

/** `reg/repo:tag@sha256:…` → `reg/repo` (a port's colon is kept). */
export function stripTagAndDigest(ref: string): string {
  let s = ref;
  const at = s.indexOf("@");
  if (at >= 0) s = s.slice(0, at);
  const slash = s.lastIndexOf("/");
  const colon = s.lastIndexOf(":");
  if (colon > slash) s = s.slice(0, colon);
  return s;
}

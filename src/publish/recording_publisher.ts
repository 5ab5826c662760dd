/**
 * `--image-refs FILE`: records every published reference (an index's children too, as
 * `<repo>@<child digest>`) and writes the file whole when publishing finished — never a partial
 * file when a later image fails.
 */
import type { BuildEvent } from "../build/builder.ts";
import { checkWritableTarget, removeOrphanedWrites, writeFileAtomic } from "../util/atomic_file.ts";
import type { Publisher, PublishTarget } from "./publisher.ts";

/** Wraps a publisher and writes the references it returned to a file at close. */
export class RecordingPublisher implements Publisher {
  readonly #lines: { rank: number; lines: string[] }[] = [];

  private constructor(private readonly inner: Publisher, private readonly path: string) {}

  /**
   * Checks that the file can be written before anything is built (and removes what killed
   * runs left next to it).
   */
  static async create(inner: Publisher, path: string): Promise<RecordingPublisher> {
    await checkWritableTarget(path, "--image-refs");
    await removeOrphanedWrites(path);
    return new RecordingPublisher(inner, path);
  }

  async publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    const ref = await this.inner.publish(event, target, signal);
    if (event.kind === "child") return ref;
    const { result } = event;
    const lines = [ref];
    if (result.kind === "index") {
      const repo = stripTagAndDigest(ref);
      for (const c of result.children) lines.push(`${repo}@${c.descriptor.digest}`);
    }
    this.#lines.push({ rank: target.rank, lines });
    return ref;
  }

  async close(): Promise<void> {
    await this.inner.close();
    const lines = this.#lines.toSorted((a, b) => a.rank - b.rank).flatMap((p) => p.lines);
    await writeFileAtomic(this.path, lines.map((l) => l + "\n").join(""));
  }

  abort(): Promise<void> {
    return this.inner.abort();
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

/**
 * The Publisher interface: where what a build yields goes (a registry, the Docker daemon,
 * kind, a tarball, an OCI layout, or nowhere), and the reference to print for a result.
 */
import type { BuildEvent } from "../build/builder.ts";
import type { Reporter } from "../progress/reporter.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

/** What a build is published as. */
export interface PublishTarget {
  /** The `ko://` reference (or plain import path) that was built. */
  readonly importPath: string;
  /**
   * Its place among the run's results (argument or YAML order): entries of files written at
   * close (`--image-refs`, `--tarball`, a layout's `index.json`) follow it, not the order in
   * which builds happen to finish.
   */
  readonly rank: number;
  /** Where the publishing reports its phases, uploads and log lines. */
  readonly report: Reporter;
}

/** Publishes build results. */
export interface Publisher {
  /**
   * Publishes what a build of `target` yielded. For the result, resolves to the reference to
   * print. For a child of an index, yielded before the index is assembled, a publisher may
   * start on it (a registry pushes it while the other platforms build) or wait for the index;
   * it resolves to "" either way, and whatever goes wrong is reported again by the result.
   */
  publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string>;
  /** Finishes work that waits for every result (e.g. writing a tarball, the refs file). */
  close(): Promise<void>;
  /** Undoes what a failed run left behind (e.g. a layout directory it created). */
  abort(): Promise<void>;
}

/** Calls `abort` on every publisher, ignoring errors (used on the failure path). */
export async function abortAll(publishers: readonly Publisher[]): Promise<void> {
  for (const p of publishers) await p.abort().catch(() => {});
}

/** Strips `ko://` and lowercases, as every publisher does before naming. */
export function publishName(importPath: string): string {
  return withoutKoScheme(importPath).toLowerCase();
}

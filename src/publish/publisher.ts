/**
 * The Publisher interface: where a built image or index goes (a registry, the Docker daemon,
 * kind, a tarball, an OCI layout, or nowhere) and the reference to print for it.
 */
import type { BuildResult, Image } from "../image/image.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

/** Publishes build results. */
export interface Publisher {
  /**
   * Publishes a result built from `importPath` (a `ko://` reference or a plain import path)
   * and returns the reference to print.
   */
  publish(result: BuildResult, importPath: string, signal?: AbortSignal): Promise<string>;
  /**
   * Told about each child image of an index as soon as it is built, before the whole result
   * is published: may start pushing it, so uploads overlap the builds still running. Whatever
   * goes wrong is reported by `publish` of the result it belongs to.
   */
  prepare?(image: Image, importPath: string, signal?: AbortSignal): void;
  /**
   * Told, before anything is built, the import paths about to be published, in the order
   * their entries are listed in files written at close (`--image-refs`, a layout's
   * `index.json`): ko publishes one by one in argument order; ours finish in any order.
   */
  order?(importPaths: readonly string[]): void;
  /** Finishes work that waits for every result (e.g. writing a tarball, the refs file). */
  close(): Promise<void>;
  /** Undoes what a failed run left behind (e.g. a layout directory it created). */
  abort?(): Promise<void>;
}

/** Calls `abort` on publishers that have one, ignoring errors (used on the failure path). */
export async function abortAll(publishers: readonly Publisher[]): Promise<void> {
  for (const p of publishers) await p.abort?.().catch(() => {});
}

/** Ranks import paths by their place in {@link Publisher.order}; unknown ones come last. */
export class PublishOrder {
  #rank = new Map<string, number>();

  set(importPaths: readonly string[]): void {
    this.#rank = new Map(importPaths.map((ip, i) => [ip, i]));
  }

  rank(importPath: string): number {
    return this.#rank.get(importPath) ?? Number.MAX_SAFE_INTEGER;
  }
}

/** Strips `ko://` and lowercases, as every publisher does before naming. */
export function publishName(importPath: string): string {
  return withoutKoScheme(importPath).toLowerCase();
}

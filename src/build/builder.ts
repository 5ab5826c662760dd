/**
 * The Builder (ko's `build.Interface`): what turns a `ko://` import path into an image or an
 * index, and what it reports while it works. The Go builder (go_builder.ts) implements it.
 */
import type { BuildResult, Image } from "../image/image.ts";
import type { Reporter } from "../progress/reporter.ts";

/**
 * What a build yields: each child of a multi-platform index as soon as it is built (so it can
 * be published while the others build), then the finished result, last.
 */
export type BuildEvent =
  | { readonly kind: "child"; readonly image: Image }
  | { readonly kind: "result"; readonly result: BuildResult };

/** What a build reads that a user may edit (what `--watch` watches). */
export interface BuildInputs {
  /** Directories whose files (not subdirectories) the build reads: Go packages. */
  readonly dirs: readonly string[];
  /** Directory trees it reads whole: kodata. */
  readonly trees: readonly string[];
  /** Single files: go.mod, go.sum. */
  readonly files: readonly string[];
}

/** Builds import paths into images. */
export interface Builder {
  /** `./cmd/x` → `ko://example.com/m/cmd/x`; other paths just gain `ko://`. */
  qualify(importPath: string): Promise<string>;
  /** Throws a clear KoError unless `ref` is a `ko://` reference to a `package main`. */
  check(ref: string): Promise<void>;
  /**
   * Builds a checked reference, yielding index children as built and the result last;
   * `report` hears of its phases and log lines (each platform's, in a multi-platform build).
   */
  build(ref: string, report: Reporter, signal?: AbortSignal): AsyncIterable<BuildEvent>;
  /** What a build of a checked reference reads. */
  inputs(ref: string): Promise<BuildInputs>;
}

/** The result of a build, its children ignored (for callers that publish nothing early). */
export async function buildResult(
  builder: Builder,
  ref: string,
  report: Reporter,
  signal?: AbortSignal,
): Promise<BuildResult> {
  for await (const event of builder.build(ref, report, signal)) {
    if (event.kind === "result") return event.result;
  }
  throw new Error(`the build of ${ref} ended without a result`);
}

/**
 * `ko resolve`: every `ko://` reference in the `-f` YAML is checked, built and published once
 * (one memoised builder and publisher for all files), and the YAML is written with each
 * reference replaced, file by file in `-f` order (src/resolve/resolver.ts does the YAML work).
 *
 * {@link streamResolvedYaml} is the whole verb minus the destination, so `ko apply` and
 * `ko create` only add the kubectl pipe.
 *
 * Local references: `ko://./cmd/x` (also `.`, `..`, `../x`) is qualified with `go list` in the
 * working directory, like the argument of `ko build ./cmd/x`, and then built and named as
 * `ko://<module path>/cmd/x`. ko instead builds and names it as written (`x-md5("./cmd/x")`,
 * or `<repo>/cmd/x` with `-P`); qualifying makes both spellings one image with the name
 * `ko build` gives it, and lets `.ko.yaml` entries keyed by import path apply. Every other
 * reference (absolute filesystem paths included) is used as written.
 */
import type { VerbContext } from "./context.ts";
import type { ResolveCommandOptions, ResolveHandler } from "./options.ts";
import { isLocalImport } from "../go/import_path.ts";
import { parseLabelSelector } from "../resolve/label_selector.ts";
import {
  type ReferenceChecker,
  type ReferenceResolver,
  resolveFiles,
} from "../resolve/resolver.ts";
import type { Pipeline } from "./pipeline.ts";
import { openPipeline } from "./setup.ts";
import { inputsOf, watch, watchedBy, without } from "./watch.ts";
import { KoError } from "../util/errors.ts";

const KO_PREFIX = "ko://";

/** Where {@link streamResolvedYaml} writes and what else may stop it. */
interface ResolvedYamlSink {
  /** Receives each file's resolved YAML (followed by `\n---\n`) in `-f` order, as it is ready. */
  write(chunk: string): Promise<void>;
  /** Cancels the resolution besides `ctx.signal` (e.g. when kubectl has exited). */
  signal?: AbortSignal;
}

/**
 * Resolves the `-f` inputs and streams the YAML into `sink`. Outputs that wait for the end
 * (`--tarball`, `--image-refs`, the layout index) are written once everything succeeded;
 * on failure the publisher's partial outputs are undone and the error is thrown. Files
 * written before a failure stay written (as with ko).
 *
 * @example
 * ```ts
 * await streamResolvedYaml(ctx, options, { write: (chunk) => kubectlStdin.write(chunk) });
 * ```
 */
export async function streamResolvedYaml(
  ctx: VerbContext,
  options: ResolveCommandOptions,
  sink: ResolvedYamlSink,
  opened?: Pipeline,
): Promise<void> {
  const signal = sink.signal ? AbortSignal.any([ctx.signal, sink.signal]) : ctx.signal;
  try {
    signal.throwIfAborted();
  } catch (e) {
    await opened?.close();
    throw e;
  }
  const pipeline = opened ?? await openResolution(ctx, options);
  await pipeline.run(async () => {
    const { checker, resolver } = referenceResolution(pipeline, signal);
    await resolveFiles({
      inputs: options.filenames,
      recursive: options.recursive,
      selector: options.selector,
      stdin: ctx.stdin,
      cwd: ctx.cwd,
      jobs: Number.POSITIVE_INFINITY, // the stages are bounded: see referenceResolution
      signal,
      checker,
      resolver,
      write: (chunk) => sink.write(chunk),
    });
  });
}

/**
 * Checks the selector and sets up the builder and publisher: what {@link streamResolvedYaml}
 * does before reading any file. `ko apply` and `ko create` call it before starting kubectl,
 * so that a bad selector, configuration or `KO_DOCKER_REPO` fails without running kubectl
 * (as in ko, which makes its builder and publisher first). The pipeline is closed by
 * {@link streamResolvedYaml}, or by the caller's `close()` if that is never called.
 */
export async function openResolution(
  ctx: VerbContext,
  options: ResolveCommandOptions,
): Promise<Pipeline> {
  if (options.selector) parseLabelSelector(options.selector); // a typo fails before any setup
  return await openPipeline(ctx, options, undefined, true);
}

/**
 * The checker and resolver {@link resolveFiles} calls, over one pipeline. Both first qualify
 * the reference ({@link qualifyReference}, once per distinct reference). References are
 * ranked in the order the resolver is first asked for them (the files' order).
 *
 * `--jobs` bounds the work, not the references, as ko bounds its builds: the `go list`s and
 * go builds of the run's Go tools (where references waiting together are listed and built by
 * one command each), each image's uploads in the publisher; a push starts when its build
 * finishes, so pushes are paced by the builds, and one image is pushed while the next
 * compiles (bounding whole build-and-publish resolutions by `--jobs` would leave a slot idle
 * during each push).
 */
export function referenceResolution(
  pipeline: Pick<Pipeline, "builder" | "publish">,
  signal?: AbortSignal,
): { checker: ReferenceChecker; resolver: ReferenceResolver } {
  const { builder } = pipeline;
  let ranked = 0;
  const qualified = new Map<string, Promise<string>>();
  const qualify = (ref: string): Promise<string> => {
    let q = qualified.get(ref);
    if (!q) {
      q = qualifyReference(ref, (ip) => builder.qualify(ip));
      qualified.set(ref, q);
    }
    return q;
  };
  return {
    checker: async (ref) => {
      signal?.throwIfAborted();
      // Go reads "" as ".", so `ko://` (say, a template's empty value) would build the
      // working directory's package and then fail to name it.
      if (ref === KO_PREFIX) throw new KoError("empty import path");
      await builder.check(await qualify(ref));
    },
    resolver: async (ref, signal) => {
      const rank = ranked++;
      return await pipeline.publish(await qualify(ref), ref, rank, signal);
    },
  };
}

/**
 * The `ko://` reference a YAML reference is built as: local forms (`ko://./cmd/x`) qualified
 * to the package's import path by `qualify` (the builder's, which runs `go list`), anything
 * else unchanged.
 */
export async function qualifyReference(
  ref: string,
  qualify: (importPath: string) => Promise<string>,
): Promise<string> {
  if (!ref.startsWith(KO_PREFIX)) return ref; // the checker reports it
  const importPath = ref.slice(KO_PREFIX.length);
  return isLocalImport(importPath) ? await qualify(importPath) : ref;
}

/** The `ko resolve` handler: the resolved YAML goes to stdout. */
export const runResolve: ResolveHandler = async (ctx, _args, options) => {
  const toStdout = { write: (chunk: string) => ctx.stdout.write(chunk) };
  if (!options.watch) return await streamResolvedYaml(ctx, options, toStdout);
  await watchResolution(ctx, options, async (pipeline) => {
    await streamResolvedYaml(ctx, options, toStdout, pipeline);
  });
};

/**
 * `--watch` of resolve and apply: a round resolves every file (rebuilding only the references
 * whose inputs changed, the others as the earlier round published them) and hands the YAML on
 * with `resolveWith` (to stdout, to kubectl).
 */
export async function watchResolution(
  ctx: VerbContext,
  options: ResolveCommandOptions,
  resolveWith: (pipeline: Pipeline) => Promise<void>,
): Promise<void> {
  if (options.filenames.includes("-")) {
    throw new KoError("--watch cannot read standard input again (-f -): name the YAML files");
  }
  let published = new Map<string, string>();
  const watched = watchedBy(ctx, options, options.filenames, options.recursive);
  await watch(ctx, watched, async (rebuild) => {
    const pipeline = await openResolution(ctx, options);
    if (rebuild) pipeline.carryOver(without(published, rebuild));
    await resolveWith(pipeline);
    published = await pipeline.published();
    return await inputsOf(pipeline);
  });
}

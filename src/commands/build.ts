/**
 * `ko build`: builds every import path (concurrently; the go builds are bounded by `--jobs`),
 * publishes each, and prints one reference per distinct import path in argument order.
 * Outputs that wait for the end (tarball, `--image-refs`, the layout index) are written only
 * when everything succeeded.
 */
import type { VerbContext } from "./context.ts";
import type { BuildCommandOptions } from "./options.ts";
import { type EarlyStart, openPipeline } from "./setup.ts";
import { inputsOf, watch, watchedBy, without } from "./watch.ts";

/** The `ko build` handler; `early` is what start-up began (go list, likely go builds), if any. */
export async function runBuild(
  ctx: VerbContext,
  importPaths: string[],
  options: BuildCommandOptions,
  early?: EarlyStart,
): Promise<void> {
  if (options.watch) return await watchBuild(ctx, importPaths, options, early);
  const pipeline = await openPipeline(ctx, options, early);
  await pipeline.run(
    () => pipeline.publishImportPaths(importPaths, ctx.signal),
    async (published) => {
      for (const { image } of published) await ctx.stdout.write(image + "\n");
    },
  );
}

/**
 * `ko build --watch`: builds and prints every reference, then, whenever the inputs of some of
 * them change, rebuilds those and prints every reference again.
 */
async function watchBuild(
  ctx: VerbContext,
  importPaths: string[],
  options: BuildCommandOptions,
  early?: EarlyStart,
): Promise<void> {
  let published = new Map<string, string>();
  let start = early;
  await watch(ctx, watchedBy(ctx, options, []), async (rebuild) => {
    const pipeline = await openPipeline(ctx, options, start);
    start = undefined; // the start-up's tools serve the first round only
    if (rebuild) pipeline.carryOver(without(published, rebuild));
    return await pipeline.run(
      async () => {
        const images = await pipeline.publishImportPaths(importPaths, ctx.signal);
        published = await pipeline.published();
        return { images, inputs: await inputsOf(pipeline) };
      },
      async ({ images }) => {
        for (const { image } of images) await ctx.stdout.write(image + "\n");
      },
    ).then((r) => r.inputs);
  });
}

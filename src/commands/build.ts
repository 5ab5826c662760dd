/**
 * `ko build`: builds every import path (concurrently; the go builds are bounded by `--jobs`),
 * publishes each, and prints one reference per distinct import path in argument order.
 * Outputs that wait for the end (tarball, `--image-refs`, the layout index) are written only
 * when everything succeeded.
 */
import type { VerbContext } from "./context.ts";
import type { BuildCommandOptions } from "./options.ts";
import { type EarlyStart, openPipeline } from "./setup.ts";

/** The `ko build` handler; `early` is what start-up began (go list, likely go builds), if any. */
export async function runBuild(
  ctx: VerbContext,
  importPaths: string[],
  options: BuildCommandOptions,
  early?: EarlyStart,
): Promise<void> {
  const pipeline = await openPipeline(ctx, options, early);
  await pipeline.run(
    () => pipeline.publishImportPaths(importPaths, ctx.signal),
    async (published) => {
      for (const { image } of published) await ctx.stdout.write(image + "\n");
    },
  );
}

/**
 * `ko build`: builds every import path (concurrently; per-platform work is bounded by
 * `--jobs`), publishes each, and prints one reference per distinct import path in argument
 * order. Outputs that wait for the end (tarball, `--image-refs`, the layout index) are written
 * only when everything succeeded.
 */
import type { BuildHandler } from "./options.ts";
import { publishImportPaths, withPublishing } from "./publish_steps.ts";
import { Session } from "./session.ts";

/** The `ko build` handler. */
export const runBuild: BuildHandler = async (ctx, importPaths, options) => {
  const session = await Session.create(ctx, options);
  await withPublishing(
    session,
    () => publishImportPaths(session, importPaths, ctx.signal),
    async (published) => {
      for (const { image } of published) await ctx.stdout.write(image + "\n");
    },
  );
};

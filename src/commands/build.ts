/**
 * `ko build`: builds every import path (concurrently; per-platform work is bounded by
 * `--jobs`), publishes each, and prints one reference per distinct import path in argument
 * order. Outputs that wait for the end (tarball, `--image-refs`, the layout index) are written
 * only when everything succeeded.
 */
import type { BuildHandler } from "../cli/build.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { Session } from "./session.ts";

/** The `ko build` handler. */
export const runBuild: BuildHandler = async (ctx, importPaths, options) => {
  const session = await Session.create(ctx, options);
  try {
    const qualified = await Promise.all(importPaths.map(async (ip) => {
      try {
        const ref = await session.builder.qualify(ip);
        await session.builder.check(ref);
        return { ip, ref };
      } catch (e) {
        throw new KoError(`importpath "${ip}" is not supported: ${errorMessage(e)}`, { cause: e });
      }
    }));
    const unique = [...new Map(qualified.map((q) => [q.ref, q])).values()];
    const lines = await Promise.all(unique.map(async ({ ip, ref }) => {
      let result;
      try {
        result = await session.builder.build(ref, ctx.signal);
      } catch (e) {
        throw new KoError(`error building "${ip}": ${errorMessage(e)}`, { cause: e });
      }
      try {
        return await session.publisher.publish(result, ref, ctx.signal);
      } catch (e) {
        throw new KoError(`error publishing "${ip}": ${errorMessage(e)}`, { cause: e });
      }
    }));
    await session.publisher.close();
    for (const line of lines) await ctx.stdout.write(line + "\n");
  } catch (e) {
    await session.publisher.abort?.();
    throw e;
  } finally {
    session.close();
  }
};

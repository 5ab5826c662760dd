/**
 * The implementation behind each verb. The verb files only define flags and help and call
 * these; wiring a real implementation in means replacing one entry of `defaultHandlers`.
 */

import type { ApplyHandler } from "../commands/options.ts";
import type { BuildHandler } from "../commands/options.ts";
import type { VerbHandler } from "../commands/context.ts";
import type { CreateHandler } from "../commands/options.ts";
import type { DeleteHandler } from "../commands/options.ts";
import type { DepsHandler } from "../commands/options.ts";
import type { LoginHandler } from "../commands/options.ts";
import type { ResolveHandler } from "../commands/options.ts";
import type { RunHandler } from "../commands/options.ts";
import { printVersion } from "./version.ts";
import type { VersionHandler } from "../commands/options.ts";

/** One handler per verb (help and completion are part of the CLI itself). */
export interface Handlers {
  /** `ko build` / `ko publish`. */
  build: BuildHandler;
  /** `ko resolve`. */
  resolve: ResolveHandler;
  /** `ko apply`. */
  apply: ApplyHandler;
  /** `ko create`. */
  create: CreateHandler;
  /** `ko delete`. */
  delete: DeleteHandler;
  /** `ko run`. */
  run: RunHandler;
  /** `ko login`. */
  login: LoginHandler;
  /** `ko deps`. */
  deps: DepsHandler;
  /** `ko version`. */
  version: VersionHandler;
}

/**
 * A handler whose implementation is loaded when the verb runs, so each verb loads only its own
 * modules: `ko build` skips the YAML resolver, kubectl and Docker clients (and the `yaml`
 * package), which cuts tens of milliseconds off its start-up.
 */
function lazy<O>(load: () => Promise<VerbHandler<O>>): VerbHandler<O> {
  return async (ctx, args, options) => (await load())(ctx, args, options);
}

/** The handlers `ko` runs with. */
export const defaultHandlers: Handlers = {
  build: async (ctx, args, options) => {
    // go list, and the go builds this will most likely run, start while the builder loads.
    const [{ startEarly }, { openProgress }] = await Promise.all([
      import("../build/likely_builds.ts"),
      import("../commands/progress.ts"),
    ]);
    const progress = openProgress(ctx, options);
    const go = await startEarly(ctx.cwd, ctx.env, args, options, progress, ctx.signal);
    try {
      await (await import("../commands/build.ts")).runBuild(ctx, args, options, { go, progress });
    } finally {
      await go.close(); // no go list or unclaimed go build outlives the run
      progress.finish();
    }
  },
  resolve: lazy(async () => (await import("../commands/resolve.ts")).runResolve),
  apply: lazy(async () => (await import("../commands/apply.ts")).runApply),
  create: lazy(async () => (await import("../commands/apply.ts")).runCreate),
  delete: lazy(async () => (await import("../commands/delete.ts")).runDelete),
  run: lazy(async () => (await import("../commands/run.ts")).runRun),
  login: lazy(async () => (await import("../commands/login.ts")).runLogin),
  deps: lazy(async () => (await import("../commands/deps.ts")).runDeps),
  version: printVersion,
};

/**
 * The implementation behind each verb. The verb files only define flags and help and call
 * these; wiring a real implementation in means replacing one entry of `defaultHandlers`.
 */
import { KoError } from "../util/errors.ts";
import { runBuild } from "../commands/build.ts";
import { runApply, runCreate } from "../commands/apply.ts";
import { runDelete } from "../commands/delete.ts";
import { runLogin } from "../commands/login.ts";
import { runRun } from "../commands/run.ts";
import { runDeps } from "../commands/deps.ts";
import { runResolve } from "../commands/resolve.ts";
import type { ApplyHandler } from "./apply.ts";
import type { BuildHandler } from "./build.ts";
import type { VerbHandler } from "./context.ts";
import type { CreateHandler } from "./create.ts";
import type { DeleteHandler } from "./delete.ts";
import type { DepsHandler } from "./deps.ts";
import type { LoginHandler } from "./login.ts";
import type { ResolveHandler } from "./resolve.ts";
import type { RunHandler } from "./run.ts";
import { printVersion, type VersionHandler } from "./version.ts";

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

/** A handler for a verb that does not exist yet: fails with exit code 1. */
export function notImplemented<O>(verb: string): VerbHandler<O> {
  return () => Promise.reject(new KoError(`ko ${verb} is not implemented yet`));
}

/** The handlers `ko` runs with. */
export const defaultHandlers: Handlers = {
  build: runBuild,
  resolve: runResolve,
  apply: runApply,
  create: runCreate,
  delete: runDelete,
  run: runRun,
  login: runLogin,
  deps: runDeps,
  version: printVersion,
};

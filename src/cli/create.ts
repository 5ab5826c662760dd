/** `ko create -f FILENAME [-- kubectl args]`: resolve, then pipe the YAML into `kubectl create`. */
import { type ApplyCommandOptions, kubectlVerbCommand } from "./apply.ts";
import type { VerbContext, VerbHandler } from "./context.ts";
import type { KoCommand } from "./ko_command.ts";

/** Options of `ko create` (the same as apply's). */
export type CreateCommandOptions = ApplyCommandOptions;

/** Resolves the files and streams the YAML into `kubectl create -f -` plus `args`. */
export type CreateHandler = VerbHandler<CreateCommandOptions>;

/** Defines `ko create`. */
export function createCommand(ctx: VerbContext, handler: CreateHandler): KoCommand {
  return kubectlVerbCommand(ctx, "create", handler);
}

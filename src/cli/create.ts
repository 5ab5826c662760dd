/** `ko create -f FILENAME [-- kubectl args]`: resolve, then pipe the YAML into `kubectl create`. */

import { kubectlVerbCommand } from "./apply.ts";
import type { KoCommand } from "./ko_command.ts";
import type { CreateHandler } from "../commands/options.ts";
import type { VerbContext } from "../commands/context.ts";

/** Defines `ko create`. */
export function createCommand(ctx: VerbContext, handler: CreateHandler): KoCommand {
  return kubectlVerbCommand(ctx, "create", handler);
}

/** `ko apply -f FILENAME [-- kubectl args]`: resolve, then pipe the YAML into `kubectl apply`. */
import { addWatchOption } from "./options/watch_options.ts";
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { addKubeconfigOptions, readKubeconfigOptions } from "./options/kubeconfig_options.ts";
import { addResolveOptions, readResolveOptions } from "./resolve.ts";
import type { ApplyHandler } from "../commands/options.ts";

/** Defines `ko apply` or, with `verb` "create", `ko create`. */
export function kubectlVerbCommand(
  ctx: VerbContext,
  verb: "apply" | "create",
  handler: ApplyHandler,
): KoCommand {
  const cmd = new KoCommand(verb, ctx.stdout)
    .description(
      `Resolve the input files as ko resolve does and feed the result to kubectl ${verb} -f -.\n` +
        `Arguments after -- are passed to kubectl ${verb} unchanged.`,
    );
  cmd.usageLine = `${verb} -f FILENAME [flags] [-- kubectl-args...]`;
  cmd.unknownFlagHint = "flags for kubectl go after --";
  cmd.examples = `
  # Build, push and ${verb} everything in config/
  ko ${verb} -f config/

  # Pass extra flags to kubectl after --
  ko ${verb} -f config/ -- --namespace=staging --dry-run=server`;
  addResolveOptions(cmd);
  if (verb === "apply") addWatchOption(cmd);
  addKubeconfigOptions(cmd);
  cmd.onRun(async ({ operands }) => {
    const options = { ...readResolveOptions(cmd, ctx), ...readKubeconfigOptions(cmd) };
    await handler(ctx, operands, options);
  });
  return cmd;
}

/** Defines `ko apply`. */
export function applyCommand(ctx: VerbContext, handler: ApplyHandler): KoCommand {
  return kubectlVerbCommand(ctx, "apply", handler);
}

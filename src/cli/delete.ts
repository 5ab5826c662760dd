/** `ko delete ...`: a passthrough to `kubectl delete`. */
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import type { DeleteHandler } from "../commands/options.ts";

/** Defines `ko delete`. */
export function deleteCommand(ctx: VerbContext, handler: DeleteHandler): KoCommand {
  const cmd = new KoCommand("delete", ctx.stdout)
    .description(
      "Run kubectl delete with every argument given after delete, unchanged; ko parses none of\n" +
        'them (see "kubectl delete --help" for what kubectl accepts).',
    );
  cmd.usageLine = "delete [kubectl delete args...]";
  cmd.positional = "file";
  cmd.passthrough = true;
  cmd.examples = `
  # Delete what ko apply created
  ko delete -f config/`;
  cmd.onRun(async ({ operands }) => {
    await handler(ctx, operands, {});
  });
  return cmd;
}

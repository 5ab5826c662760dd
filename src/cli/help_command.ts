/** `ko help [command]`: print the help of ko or of one of its commands. */
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { UsageError } from "./usage_error.ts";

/** Defines `ko help`; `root` is the program whose commands it describes. */
export function helpCommand(ctx: VerbContext, root: KoCommand): KoCommand {
  const cmd = new KoCommand("help", ctx.stdout)
    .description("Print the help of any command: ko help [command].");
  cmd.usageLine = "help [command] [flags]";
  cmd.positional = "verbs";
  cmd.onRun(async ({ operands }) => {
    cmd.expectArgs(operands, 0, 1, "argument (a command)");
    const [topic] = operands;
    if (topic === undefined) {
      await ctx.stdout.write(root.helpText());
      return;
    }
    const target = await root.findCommand(topic)?.defined();
    if (!target) {
      throw new UsageError(`unknown help topic "${topic}"`, "ko");
    }
    await ctx.stdout.write(target.helpText());
  });
  return cmd;
}

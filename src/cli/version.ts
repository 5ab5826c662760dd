/** `ko version`: print the version of ko. */
import { VERSION } from "../version.ts";
import { KoCommand } from "./ko_command.ts";
import type { VersionHandler } from "../commands/options.ts";
import type { VerbContext } from "../commands/context.ts";

/** Prints {@link VERSION} and a newline on stdout (no `v` prefix, like release builds of ko). */
export const printVersion: VersionHandler = async (ctx) => {
  await ctx.stdout.write(`${VERSION}\n`);
};

/** Defines `ko version`. */
export function versionCommand(ctx: VerbContext, handler: VersionHandler): KoCommand {
  const cmd = new KoCommand("version", ctx.stdout)
    .description("Print the version of ko.");
  cmd.usageLine = "version [flags]";
  cmd.onRun(async ({ operands }) => {
    cmd.expectArgs(operands, 0, 0, "arguments");
    await handler(ctx, [], {});
  });
  return cmd;
}

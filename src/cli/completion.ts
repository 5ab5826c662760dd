/** `ko completion bash|zsh|fish|powershell`: print a shell completion script. */
import { type Shell, SHELLS } from "./completion_model.ts";
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { UsageError } from "./usage_error.ts";

/** Defines `ko completion`; `root` is the program whose verbs and flags are completed. */
export function completionCommand(ctx: VerbContext, root: KoCommand): KoCommand {
  const cmd = new KoCommand("completion", ctx.stdout)
    .description(
      "Print a script that teaches your shell to complete ko's commands, flags and values.",
    );
  cmd.usageLine = "completion bash|zsh|fish|powershell [flags]";
  cmd.positional = "shells";
  cmd.examples = `
  # bash, for the current shell
  source <(ko completion bash)

  # zsh, for every new shell (the directory must be on $fpath)
  ko completion zsh > "\${fpath[1]}/_ko"

  # fish
  ko completion fish > ~/.config/fish/completions/ko.fish

  # PowerShell
  ko completion powershell | Out-String | Invoke-Expression`;
  cmd.flag({
    names: "--no-descriptions",
    kind: "bool",
    description: "Leave descriptions out of the completions",
  });
  cmd.onRun(async ({ operands }) => {
    const [shell] = operands;
    if (operands.length !== 1 || !SHELLS.includes(shell as Shell)) {
      const got = shell === undefined ? "none" : `"${operands.join(" ")}"`;
      throw new UsageError(
        `ko completion needs one shell: bash, zsh, fish, or powershell (got ${got})`,
        cmd.path(),
      );
    }
    const descriptions = !cmd.flagValue<boolean>("no-descriptions");
    // The script generators load only for this verb (start-up of every other).
    const { completionScript } = await import("./completion_script.ts");
    await root.definedCommands(); // every verb's flags
    await ctx.stdout.write(completionScript(root, shell as Shell, descriptions));
  });
  return cmd;
}

/** The completion script of each shell, generated from the command tree. */
import { bashCompletion } from "./completion_bash.ts";
import { fishCompletion } from "./completion_fish.ts";
import { completionModel, type Shell } from "./completion_model.ts";
import { powershellCompletion } from "./completion_powershell.ts";
import { zshCompletion } from "./completion_zsh.ts";
import type { KoCommand } from "./ko_command.ts";

/** Generates the completion script for `shell` from the command tree under `root`. */
export function completionScript(root: KoCommand, shell: Shell, descriptions = true): string {
  const model = completionModel(root, descriptions);
  switch (shell) {
    case "bash":
      return bashCompletion(model);
    case "zsh":
      return zshCompletion(model);
    case "fish":
      return fishCompletion(model);
    case "powershell":
      return powershellCompletion(model);
  }
}

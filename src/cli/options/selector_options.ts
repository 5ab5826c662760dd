/** The `-l/--selector` flag of resolve, apply and create. */
import type { KoCommand } from "../ko_command.ts";
import type { SelectorOptions } from "../../commands/options.ts";

/** Declares `-l/--selector` on a command. */
export function addSelectorOptions(cmd: KoCommand): void {
  cmd.flag({
    names: "-l, --selector",
    kind: "string",
    description:
      "Only output objects matching this label selector (=, ==, !=, in, notin, key, !key)",
  });
}

/** Reads the selector flag. */
export function readSelectorOptions(cmd: KoCommand): SelectorOptions {
  return { selector: cmd.flagValue<string>("selector") };
}

/** The `-f/--filename` and `-R/--recursive` flags of resolve, apply and create. */
import type { KoCommand } from "../ko_command.ts";
import { UsageError } from "../usage_error.ts";
import type { FilenameOptions } from "../../commands/options.ts";

/** Declares `-f/--filename` and `-R/--recursive` on a command. */
export function addFilenameOptions(cmd: KoCommand): void {
  cmd
    .flag({
      names: "-f, --filename",
      kind: "strings",
      complete: "file",
      description: "File or directory of Kubernetes YAML to resolve, or - for stdin (repeatable)",
    })
    .flag({
      names: "-R, --recursive",
      kind: "bool",
      description: "Also read YAML from subdirectories of directories given with -f",
    });
}

/** Reads the filename flags; at least one `-f` is required. */
export function readFilenameOptions(cmd: KoCommand): FilenameOptions {
  const filenames = cmd.flagValue<string[]>("filename");
  if (filenames.length === 0) {
    throw new UsageError(
      `${cmd.path()} needs input: pass -f with a file, a directory, or - for stdin`,
      cmd.path(),
    );
  }
  return { filenames, recursive: cmd.flagValue<boolean>("recursive") };
}

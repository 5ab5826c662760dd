/**
 * What flag parsing and help read of a command: its place in the tree, its flags and their
 * values, and its help texts. {@link KoCommand} implements it; the parser and the help
 * formatter depend only on this.
 */
import type { FlagValue, KoOption } from "./ko_option.ts";

/** A command as the parser and the help formatter see it. */
export interface CliCommand {
  /** The command this one is a subcommand of (null for the root). */
  readonly parent: CliCommand | null;
  /** Subcommands, in the order added. */
  readonly commands: readonly CliCommand[];
  /** Flags declared on this command, in the order declared. */
  readonly options: readonly KoOption[];
  /** Usage after the parent's path, e.g. `build IMPORTPATH... [flags]`. */
  readonly usageLine: string;
  /** Example invocations for help. */
  readonly examples: string;
  /** The command's name (`build`). */
  name(): string;
  /** The other names of the command. */
  aliases(): string[];
  /** The one-line summary shown in lists of commands. */
  summary(): string;
  /** The description heading the command's help. */
  description(): string;
  /** The value of a flag declared on this command. */
  flagValue<T extends FlagValue>(longName: string): T;
  /** Whether the flag was given on the command line. */
  flagGiven(longName: string): boolean;
  /** Stores a parsed flag value. */
  setFlag(longName: string, value: FlagValue): void;
}

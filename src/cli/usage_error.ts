/** The error for a command line ko cannot make sense of (bad flag, missing argument…). */
import { KoError } from "../util/errors.ts";

/**
 * A KoError about how a command was invoked. Besides the one-line `Error: …`, ko prints a
 * hint to run `<command> --help`.
 *
 * @example
 * ```ts
 * throw new UsageError(`unknown flag: --fast`, "ko build");
 * ```
 */
export class UsageError extends KoError {
  override name = "UsageError";
  /** The command path the hint points at, e.g. `ko build`. */
  readonly command: string;

  constructor(message: string, command: string) {
    super(message);
    this.command = command;
  }
}

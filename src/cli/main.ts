/** The CLI entry: parses argv, runs a verb, maps errors to one stderr line and an exit code. */
import { errorMessage, KoError } from "../util/errors.ts";
import { isVerbose } from "../util/log.ts";

/** Runs ko with the given arguments and returns the process exit code. */
export function runCli(args: string[]): Promise<number> {
  try {
    if (args[0] === "version") {
      console.log("0.1.0");
      return Promise.resolve(0);
    }
    throw new KoError(`unknown command "${args[0] ?? ""}"`);
  } catch (err) {
    return Promise.resolve(reportError(err));
  }
}

/** Prints an error the way users should see it and returns its exit code. */
export function reportError(err: unknown): number {
  if (err instanceof KoError) {
    console.error(`Error: ${err.message}`);
    if (isVerbose() && err.stack) console.error(err.stack);
    return err.exitCode;
  }
  console.error(`Error: ${errorMessage(err)}`);
  if (isVerbose() && err instanceof Error && err.stack) console.error(err.stack);
  return 1;
}

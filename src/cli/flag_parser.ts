/**
 * Command-line parsing with the rules of Go's pflag, which ko (cobra) uses: `--name=value`,
 * `--name value`, `-n value`, `-nvalue`, `-n=value`, grouped short booleans (`-RL`), flags
 * and operands interleaved, `--` ending flags. Values are stored on the commands that own
 * the flags; the flags of ancestor commands (the global `-v`) are accepted too.
 */
import { parseFlagInt, parseGoBool, splitCsv } from "./flag_values.ts";
import type { CliCommand } from "./cli_command.ts";
import type { KoOption } from "./ko_option.ts";
import { UsageError } from "./usage_error.ts";

/** What parsing one command's arguments found. */
interface ParsedArgs {
  /** Positional arguments in order, including everything after `--`. */
  operands: string[];
  /** How many operands came before `--` (cobra's ArgsLenAtDash); -1 without `--`. */
  dashAt: number;
  /** Whether `-h`/`--help` was given. */
  help: boolean;
  /** Arguments left unparsed after the first operand (only when stopping at it). */
  rest: string[];
}

/** How a parse treats what it finds. */
interface ParseMode {
  /** Stop at the first operand and leave the rest unparsed (the root, before the verb). */
  stopAtOperand?: boolean;
  /** Appended to "unknown flag" errors, e.g. where kubectl flags belong. */
  unknownFlagHint?: string;
  /** Command path for error hints (`ko build`). */
  commandPath: string;
}

interface Found {
  owner: CliCommand;
  option: KoOption;
}

function findFlag(cmd: CliCommand, test: (o: KoOption) => boolean): Found | undefined {
  for (let c: CliCommand | null = cmd; c; c = c.parent) {
    for (const option of c.options) {
      if (test(option)) return { owner: c, option };
    }
  }
  return undefined;
}

/**
 * Parses `args` for `cmd`, storing flag values on the commands that own them.
 * Throws a UsageError with pflag's wording for unknown flags, missing values and bad values.
 *
 * @example
 * ```ts
 * const parsed = parseArgs(buildCmd, ["-t", "a,b", "./cmd", "--push=false"], {
 *   commandPath: "ko build",
 * });
 * parsed.operands; // ["./cmd"]
 * ```
 */
export function parseArgs(cmd: CliCommand, args: readonly string[], mode: ParseMode): ParsedArgs {
  const result: ParsedArgs = { operands: [], dashAt: -1, help: false, rest: [] };
  const fail = (message: string): never => {
    throw new UsageError(message, mode.commandPath);
  };
  const unknown = (message: string): never =>
    fail(mode.unknownFlagHint ? `${message} (${mode.unknownFlagHint})` : message);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      result.dashAt = result.operands.length;
      result.operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const body = arg.slice(2);
      const eq = body.indexOf("=");
      const name = eq === -1 ? body : body.slice(0, eq);
      const inline = eq === -1 ? undefined : body.slice(eq + 1);
      if (name === "" || name.startsWith("-") || name.startsWith("=")) {
        fail(`bad flag syntax: ${arg}`);
      }
      if (name === "help") {
        result.help = inline === undefined || parseGoBool(inline) === true;
        continue;
      }
      const found = findFlag(cmd, (o) => o.longName() === name);
      if (!found) unknown(`unknown flag: --${name}`);
      const { owner, option } = found!;
      let value = inline;
      if (value === undefined && option.kind !== "bool") {
        if (i + 1 >= args.length) fail(`flag needs an argument: --${name}`);
        value = args[++i];
      }
      assignFlag(owner, option, value, mode.commandPath);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const letter = letters[j]!;
        const after = letters.slice(j + 1);
        if (letter === "h") {
          result.help = after.startsWith("=") ? parseGoBool(after.slice(1)) === true : true;
          if (after.startsWith("=")) break;
          continue;
        }
        const found = findFlag(cmd, (o) => o.shortName() === letter);
        if (!found) unknown(`unknown shorthand flag: '${letter}' in ${arg}`);
        const { owner, option } = found!;
        if (option.kind === "bool") {
          if (after.startsWith("=")) {
            assignFlag(owner, option, after.slice(1), mode.commandPath);
            break;
          }
          assignFlag(owner, option, undefined, mode.commandPath);
          continue;
        }
        let value: string | undefined = after.startsWith("=") ? after.slice(1) : after;
        if (after === "") {
          if (i + 1 >= args.length) fail(`flag needs an argument: '${letter}' in ${arg}`);
          value = args[++i];
        }
        assignFlag(owner, option, value, mode.commandPath);
        break;
      }
      continue;
    }
    if (mode.stopAtOperand) {
      result.operands.push(arg);
      result.rest = args.slice(i + 1);
      break;
    }
    result.operands.push(arg);
  }
  return result;
}

function quoteChoice(value: string): string {
  return value === "" ? `""` : value;
}

/**
 * Stores one occurrence of a flag on its command. `raw` is undefined for a bare boolean.
 * Strings flags append, except that the first occurrence replaces the default. For a
 * `--no-…` flag the stored value is the flag's own (true when given).
 */
function assignFlag(
  owner: CliCommand,
  option: KoOption,
  raw: string | undefined,
  commandPath = "ko",
): void {
  const key = option.longName();
  const invalid = (why: string): never => {
    throw new UsageError(
      `invalid argument "${raw}" for "${option.names}" flag: ${why}`,
      commandPath,
    );
  };
  switch (option.kind) {
    case "bool": {
      const value = raw === undefined ? true : parseGoBool(raw);
      if (value === undefined) invalid("expected true or false (also 1, 0, t, f)");
      owner.setFlag(key, value!);
      return;
    }
    case "int": {
      const value = parseFlagInt(raw ?? "");
      if (value === undefined) invalid("expected an integer");
      owner.setFlag(key, value!);
      return;
    }
    case "string": {
      const value = raw ?? "";
      if (option.allowed && !option.allowed.includes(value)) {
        invalid(`expected one of ${option.allowed.map(quoteChoice).join(", ")}`);
      }
      owner.setFlag(key, value);
      return;
    }
    case "strings": {
      let fields: string[] = [];
      try {
        fields = splitCsv(raw ?? "");
      } catch (err) {
        invalid((err as Error).message);
      }
      const previous = owner.flagGiven(key) ? owner.flagValue<string[]>(key) : [];
      owner.setFlag(key, [...previous, ...fields]);
      return;
    }
  }
}

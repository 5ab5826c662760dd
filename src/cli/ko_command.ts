/**
 * The commander Command every ko verb is made of. It replaces commander's option parsing with
 * pflag's rules (see flag_parser.ts), takes over help (`-h/--help` on any verb, cobra layout)
 * and turns commander's process exits into thrown errors.
 */
import { Command } from "commander";
import { setVerbose } from "../util/log.ts";
import type { Writer } from "./context.ts";
import { parseArgs } from "./flag_parser.ts";
import { commandPath, formatHelp } from "./help.ts";
import { type FlagSpec, type FlagValue, KoOption } from "./ko_option.ts";
import { UsageError } from "./usage_error.ts";

/** What a verb's run function receives from the command line. */
export interface RunInput {
  /** Positional arguments, including those after `--`. */
  operands: string[];
  /** How many operands came before `--`; -1 when there was no `--`. */
  dashAt: number;
}

/** What shells should offer for a verb's positional arguments. */
export type PositionalHint = "none" | "dir" | "file" | "verbs" | "shells";

/** A ko command: a commander Command with typed flags, pflag parsing and cobra-style help. */
export class KoCommand extends Command {
  /** Usage after the parent's path, e.g. `build IMPORTPATH... [flags]`. */
  usageLine = "";
  /** Example invocations for help, indented by two spaces. */
  examples = "";
  /** What shell completion offers for positional arguments. */
  positional: PositionalHint = "none";
  /** Pass every argument through unparsed (`ko delete`); only a leading help flag is read. */
  passthrough = false;
  /** Added to unknown-flag errors, e.g. a hint that kubectl flags go after `--`. */
  unknownFlagHint = "";
  /** Set while parsing: `-h`/`--help` was given. */
  helpRequested = false;
  /** Set while parsing: operands before `--`, or -1. */
  dashAt = -1;
  readonly #helpOut: Writer;

  /** Makes a command named `name` whose help is written to `helpOut`. */
  constructor(name: string, helpOut: Writer) {
    super(name);
    this.#helpOut = helpOut;
    this.exitOverride();
    this.helpOption(false);
    this.helpCommand(false);
    this.allowExcessArguments(true);
    this.configureOutput({ outputError: () => {} });
    this.configureHelp({ formatHelp: (cmd) => formatHelp(cmd) });
  }

  /** Declares a typed flag. */
  flag(spec: FlagSpec): this {
    this.addOption(new KoOption(spec));
    return this;
  }

  /** The typed flags declared on this command. */
  koOptions(): KoOption[] {
    return this.options.filter((o): o is KoOption => o instanceof KoOption);
  }

  /** The current value of a flag of this command, by long name (`tags`). */
  flagValue<T extends FlagValue>(longName: string): T {
    const option = this.koOptions().find((o) => o.longName() === longName);
    if (!option) throw new Error(`ko: no flag --${longName} on ${commandPath(this)}`);
    return this.getOptionValue(option.attributeName()) as T;
  }

  /** Whether a flag was given on the command line (rather than left at its default). */
  flagGiven(longName: string): boolean {
    const option = this.koOptions().find((o) => o.longName() === longName);
    return option !== undefined && this.getOptionValueSource(option.attributeName()) === "cli";
  }

  /** The command path, e.g. `ko build`. */
  path(): string {
    return commandPath(this);
  }

  /** The help text of this command. */
  helpText(): string {
    return formatHelp(this);
  }

  /** Replaces commander's parser with pflag's rules; called by commander for each command. */
  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    if (this.passthrough) {
      const end = args.indexOf("--");
      const flags = end === -1 ? args : args.slice(0, end);
      this.helpRequested = flags.some((a) => a === "-h" || a === "--help");
      return { operands: [...args], unknown: [] };
    }
    const isRoot = this.commands.length > 0;
    const parsed = parseArgs(this, args, {
      stopAtOperand: isRoot,
      commandPath: this.path(),
      ...(this.unknownFlagHint ? { unknownFlagHint: this.unknownFlagHint } : {}),
    });
    this.helpRequested ||= parsed.help;
    this.dashAt = parsed.dashAt;
    if (isRoot) {
      const [first] = parsed.operands;
      const isVerb = first !== undefined &&
        this.commands.some((c) => c.name() === first || c.aliases().includes(first));
      if (isVerb) return { operands: parsed.operands, unknown: parsed.rest };
      return { operands: [...parsed.operands, ...parsed.rest], unknown: [] };
    }
    return { operands: parsed.operands, unknown: [] };
  }

  /**
   * Sets what the command does. Before `fn` runs, the global `-v` takes effect and a help
   * request (on this command or before the verb) prints help instead.
   */
  onRun(fn: (input: RunInput) => Promise<void>): this {
    this.action(async () => {
      let helpWanted = false;
      const chain: Command[] = [this];
      for (let p = this.parent; p; p = p.parent) chain.push(p);
      for (const c of chain) {
        if (c instanceof KoCommand) {
          helpWanted ||= c.helpRequested;
          const verbose = c.koOptions().find((o) => o.longName() === "verbose");
          if (verbose && c.getOptionValue(verbose.attributeName()) === true) setVerbose(true);
        }
      }
      if (helpWanted) {
        await this.#helpOut.write(this.helpText());
        return;
      }
      await fn({ operands: [...this.args], dashAt: this.dashAt });
    });
    return this;
  }

  /** Throws a UsageError unless the number of operands is within [min, max]. */
  expectArgs(operands: readonly string[], min: number, max: number, what: string): void {
    const n = operands.length;
    if (n >= min && n <= max) return;
    let expected: string;
    if (max === 0) expected = "no arguments";
    else if (min === max) expected = `exactly ${min} ${what}`;
    else if (max === Infinity) expected = `at least ${min} ${what}`;
    else if (min === 0) expected = `at most ${max} ${what}`;
    else expected = `${min} to ${max} ${what}`;
    const got = n === 0 ? "none" : `${n} (${operands.map((o) => JSON.stringify(o)).join(" ")})`;
    throw new UsageError(`${this.path()} takes ${expected}, got ${got}`, this.path());
  }
}

/**
 * The command every ko verb (and the `ko` root) is made of: typed flags parsed with pflag's
 * rules (see flag_parser.ts), cobra-style help (`-h/--help` on any verb), and dispatch from the
 * root to the verb named by the first operand.
 */
import { setVerbose } from "../util/log.ts";
import type { Writer } from "../util/writer.ts";
import { parseArgs } from "./flag_parser.ts";
import { commandPath, formatHelp } from "./help.ts";
import { type FlagSpec, type FlagValue, KoOption } from "./ko_option.ts";
import { UsageError } from "./usage_error.ts";
import type { CliCommand } from "./cli_command.ts";

/** What a verb's run function receives from the command line. */
export interface RunInput {
  /** Positional arguments, including those after `--`. */
  operands: string[];
  /** How many operands came before `--`; -1 when there was no `--`. */
  dashAt: number;
}

/** What shells should offer for a verb's positional arguments. */
export type PositionalHint = "none" | "dir" | "file" | "verbs" | "shells";

/** A ko command: typed flags, pflag parsing, cobra-style help, subcommands. */
export class KoCommand implements CliCommand {
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
  /** The command this one is a subcommand of (null for the root). */
  parent: KoCommand | null = null;
  /** Subcommands, in the order added. */
  readonly commands: KoCommand[] = [];
  /** Flags declared on this command, in the order declared. */
  readonly options: KoOption[] = [];
  readonly #name: string;
  readonly #helpOut: Writer;
  readonly #aliases: string[] = [];
  #summary = "";
  #description = "";
  readonly #values = new Map<string, FlagValue>();
  readonly #given = new Set<string>();
  #run: ((input: RunInput) => Promise<void>) | undefined;
  #define: (() => Promise<KoCommand>) | undefined;
  #defined: Promise<KoCommand> | undefined;

  /** Makes a command named `name` whose help is written to `helpOut`. */
  constructor(name: string, helpOut: Writer) {
    this.#name = name;
    this.#helpOut = helpOut;
  }

  /** The command's name (`build`). */
  name(): string {
    return this.#name;
  }

  /** Adds another name the command answers to (`publish` for `build`). */
  alias(alias: string): this {
    this.#aliases.push(alias);
    return this;
  }

  /** The other names of the command. */
  aliases(): string[] {
    return [...this.#aliases];
  }

  /** The one-line summary shown in lists of commands. */
  summary(): string;
  /** Sets the one-line summary. */
  summary(text: string): this;
  summary(text?: string): string | this {
    if (text === undefined) return this.#summary;
    this.#summary = text;
    return this;
  }

  /** The description heading the command's help. */
  description(): string;
  /** Sets the description. */
  description(text: string): this;
  description(text?: string): string | this {
    if (text === undefined) return this.#description;
    this.#description = text;
    return this;
  }

  /** Adds a subcommand. */
  addCommand(cmd: KoCommand): this {
    cmd.parent = this;
    this.commands.push(cmd);
    return this;
  }

  /**
   * Adds a subcommand known by its name, summary and aliases alone until it is used: `define`
   * (which loads the verb's module and declares its flags) runs when the subcommand is run, or
   * its help or completion is asked for, so a run pays only for the verb it runs.
   */
  addLazyCommand(
    name: string,
    summary: string,
    define: () => Promise<KoCommand>,
    aliases: readonly string[] = [],
  ): this {
    const stub = new KoCommand(name, this.#helpOut).summary(summary);
    stub.#aliases.push(...aliases);
    stub.#define = define;
    return this.addCommand(stub);
  }

  /**
   * This command with its flags declared. For one added with {@link addLazyCommand}, the
   * defined command, given the summary and aliases it was added with, takes the stub's place
   * among its parent's subcommands.
   */
  defined(): Promise<KoCommand> {
    const define = this.#define;
    if (!define) return Promise.resolve(this);
    this.#defined ??= define().then((cmd) => {
      cmd.#summary = this.#summary;
      cmd.#aliases.push(...this.#aliases.filter((a) => !cmd.#aliases.includes(a)));
      cmd.parent = this.parent;
      const siblings = this.parent?.commands ?? [];
      const at = siblings.indexOf(this);
      if (at >= 0) siblings[at] = cmd;
      return cmd;
    });
    return this.#defined;
  }

  /** Every subcommand, defined (see {@link addLazyCommand}). */
  async definedCommands(): Promise<KoCommand[]> {
    return await Promise.all(this.commands.map((c) => c.defined()));
  }

  /** Declares a typed flag. */
  flag(spec: FlagSpec): this {
    const option = new KoOption(spec);
    if (this.options.some((o) => o.longName() === option.longName())) {
      throw new Error(`ko: flag --${option.longName()} declared twice on ${this.path()}`);
    }
    this.options.push(option);
    return this;
  }

  /** The typed flags declared on this command. */
  koOptions(): KoOption[] {
    return [...this.options];
  }

  /** The current value of a flag of this command, by long name (`tags`). */
  flagValue<T extends FlagValue>(longName: string): T {
    const option = this.#option(longName);
    return (this.#values.get(longName) ?? option.defaultValue) as T;
  }

  /** Whether a flag was given on the command line (rather than left at its default). */
  flagGiven(longName: string): boolean {
    return this.#given.has(longName);
  }

  /** Records a value given on the command line for one of this command's flags. */
  setFlag(longName: string, value: FlagValue): void {
    this.#option(longName);
    this.#values.set(longName, value);
    this.#given.add(longName);
  }

  /** The command path, e.g. `ko build`. */
  path(): string {
    return commandPath(this);
  }

  /** The help text of this command. */
  helpText(): string {
    return formatHelp(this);
  }

  /**
   * Sets what the command does. Before `fn` runs, the global `-v` takes effect and a help
   * request (on this command or before the verb) prints help instead.
   */
  onRun(fn: (input: RunInput) => Promise<void>): this {
    this.#run = fn;
    return this;
  }

  /**
   * Parses `args` (without the program name) and runs this command, or, on a command with
   * subcommands, the one its first operand names (with the arguments after it). `before` are
   * operands already taken (after a `--` given before the verb).
   *
   * @example
   * ```ts
   * await createProgram(processContext(), defaultHandlers).execute(["version"]);
   * ```
   */
  async execute(args: readonly string[], before: readonly string[] = []): Promise<void> {
    if (this.passthrough) {
      const end = args.indexOf("--");
      const flags = end === -1 ? args : args.slice(0, end);
      this.helpRequested = flags.some((a) => a === "-h" || a === "--help");
      return await this.#invoke({ operands: [...before, ...args], dashAt: this.dashAt });
    }
    const isRoot = this.commands.length > 0;
    const parsed = parseArgs(this, args, {
      stopAtOperand: isRoot,
      commandPath: this.path(),
      ...(this.unknownFlagHint ? { unknownFlagHint: this.unknownFlagHint } : {}),
    });
    this.helpRequested ||= parsed.help;
    this.dashAt = parsed.dashAt;
    const operands = [...before, ...parsed.operands];
    if (isRoot) {
      const [first] = operands;
      const verb = first === undefined ? undefined : this.findCommand(first);
      if (verb) return await (await verb.defined()).execute(parsed.rest, operands.slice(1));
      operands.push(...parsed.rest);
    }
    await this.#invoke({ operands, dashAt: this.dashAt });
  }

  /** The subcommand called `word` (by name or alias), if any. */
  findCommand(word: string): KoCommand | undefined {
    return this.commands.find((c) => c.name() === word || c.#aliases.includes(word));
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

  async #invoke(input: RunInput): Promise<void> {
    let helpWanted = false;
    const chain: KoCommand[] = [this];
    for (let p = this.parent; p; p = p.parent) chain.push(p);
    for (const c of chain) {
      helpWanted ||= c.helpRequested;
      if (c.#given.has("verbose") && c.#values.get("verbose") === true) setVerbose(true);
    }
    if (helpWanted || !this.#run) {
      await this.#helpOut.write(this.helpText());
      return;
    }
    await this.#run(input);
  }

  #option(longName: string): KoOption {
    const option = this.options.find((o) => o.longName() === longName);
    if (!option) throw new Error(`ko: no flag --${longName} on ${this.path()}`);
    return option;
  }
}

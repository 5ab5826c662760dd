/**
 * The command tree reduced to what shell completion needs: verbs, their flags and what their
 * values and positional arguments are. The script generators read only this.
 */
import type { KoCommand, PositionalHint } from "./ko_command.ts";
import type { CompleteHint } from "./ko_option.ts";

/** Shells `ko completion` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;

/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** A flag as completion sees it. */
export interface CompletionFlag {
  /** Long name without dashes. */
  long: string;
  /** Short letter without the dash. */
  short?: string;
  /** One-line description. */
  description: string;
  /** Whether the flag takes a value (every kind but bool). */
  takesValue: boolean;
  /** Fixed values to offer. */
  values?: readonly string[];
  /** Offer files or directories as the value. */
  complete?: CompleteHint;
}

/** A verb as completion sees it. */
export interface CompletionVerb {
  /** Name, e.g. `build`. */
  name: string;
  /** Other names, e.g. `publish`. */
  aliases: string[];
  /** One-line description. */
  description: string;
  /** Its own flags, `-h/--help` included. */
  flags: CompletionFlag[];
  /** What positional arguments are. */
  positional: PositionalHint;
}

/** Everything a completion script generator needs. */
export interface CompletionModel {
  /** The program name (`ko`). */
  program: string;
  /** Flags valid anywhere (`-v`, `-h`). */
  globalFlags: CompletionFlag[];
  /** Verbs, sorted by name. */
  verbs: CompletionVerb[];
  /** Whether scripts should carry descriptions. */
  descriptions: boolean;
}

const HELP_FLAG = (name: string): CompletionFlag => ({
  long: "help",
  short: "h",
  description: `help for ${name}`,
  takesValue: false,
});

function flagsOf(cmd: KoCommand): CompletionFlag[] {
  return cmd.koOptions().filter((o) => !o.hidden).map((o) => {
    const flag: CompletionFlag = {
      long: o.longName(),
      description: o.description,
      takesValue: o.kind !== "bool",
    };
    const short = o.shortName();
    if (short) flag.short = short;
    const values = o.allowed?.filter((v) => v !== "");
    if (values && values.length > 0) flag.values = values;
    if (o.complete) flag.complete = o.complete;
    return flag;
  });
}

/** Reduces a program's command tree to a CompletionModel. */
export function completionModel(root: KoCommand, descriptions = true): CompletionModel {
  const verbs = [...root.commands]
    .sort((a, b) => a.name().localeCompare(b.name()))
    .map((c): CompletionVerb => ({
      name: c.name(),
      aliases: c.aliases(),
      description: c.summary() || c.description(),
      flags: [...flagsOf(c), HELP_FLAG(c.name())],
      positional: c.positional,
    }));
  return {
    program: root.name(),
    globalFlags: [...flagsOf(root), HELP_FLAG(root.name())],
    verbs,
    descriptions,
  };
}

/** Every spelling of a flag: `-t`, `--tags`. */
export function spellings(flag: CompletionFlag): string[] {
  return flag.short ? [`-${flag.short}`, `--${flag.long}`] : [`--${flag.long}`];
}

/** The words of a positional hint that are fixed (verbs for help, shells for completion). */
export function positionalWords(model: CompletionModel, hint: PositionalHint): string[] {
  if (hint === "verbs") return model.verbs.flatMap((v) => [v.name, ...v.aliases]);
  if (hint === "shells") return [...SHELLS];
  return [];
}

/**
 * Help text in the layout ko users know from cobra: description, Usage, Aliases, Examples,
 * Available Commands, Flags (with pflag type hints and defaults), Global Flags.
 */
import type { CliCommand } from "./cli_command.ts";
import type { KoOption } from "./ko_option.ts";

/** The full command path, e.g. `ko build`. */
export function commandPath(cmd: CliCommand): string {
  const names: string[] = [];
  for (let c: CliCommand | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Orders names as cobra and pflag do (Go's `<` on strings): by code unit. (localeCompare would
 * also start an ICU collator, a cost every `ko --help` would pay.)
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Typed flags of one command, help-visible ones only, sorted by long name like pflag. */
function visibleFlags(cmd: CliCommand): KoOption[] {
  return cmd.options
    .filter((o) => !o.hidden)
    .sort((a, b) => byCodeUnits(a.longName(), b.longName()));
}

/** How pflag shows a default in help, or "" when the default is the zero value. */
function defaultText(option: KoOption): string {
  const value: unknown = option.defaultValue;
  switch (option.kind) {
    case "bool":
      return value === true ? "true" : "";
    case "int":
      return typeof value === "number" && value !== 0 ? String(value) : "";
    case "string":
      return typeof value === "string" && value !== "" ? JSON.stringify(value) : "";
    case "strings":
      return Array.isArray(value) && value.length > 0 ? `[${value.join(",")}]` : "";
  }
}

interface FlagRow {
  term: string;
  text: string;
}

function flagRow(option: KoOption): FlagRow {
  const short = option.shortName();
  let term = short ? `  -${short}, --${option.longName()}` : `      --${option.longName()}`;
  if (option.kind !== "bool") term += ` ${option.kind}`;
  const def = defaultText(option);
  return { term, text: def ? `${option.description} (default ${def})` : option.description };
}

function helpRow(cmd: CliCommand): FlagRow {
  return { term: "  -h, --help", text: `help for ${cmd.name()}` };
}

function table(rows: FlagRow[]): string {
  const width = Math.max(...rows.map((r) => r.term.length));
  return rows.map((r) => `${r.term.padEnd(width)}   ${r.text}`.trimEnd()).join("\n");
}

function sortRows(rows: FlagRow[]): FlagRow[] {
  const key = (r: FlagRow) => r.term.replace(/^\s*(-\w, )?--/, "");
  return rows.sort((a, b) => byCodeUnits(key(a), key(b)));
}

/**
 * Formats the help of `cmd`. Subcommands are listed for a command that has them; flags of
 * ancestors appear under "Global Flags".
 */
export function formatHelp(cmd: CliCommand): string {
  const info = { usageLine: cmd.usageLine, examples: cmd.examples };
  const path = commandPath(cmd);
  const parts: string[] = [];
  const about = (cmd.description() || cmd.summary()).trim();
  if (about) parts.push(about);

  const subcommands = [...cmd.commands];
  const parentPath = cmd.parent ? commandPath(cmd.parent) : "";
  const usage = subcommands.length > 0 ? [`  ${path} [flags]`, `  ${path} [command]`] : [
    info.usageLine
      ? `  ${parentPath} ${info.usageLine}`.replace(/^  +/, "  ")
      : `  ${path} [flags]`,
  ];
  parts.push(`Usage:\n${usage.join("\n")}`);

  if (cmd.aliases().length > 0) {
    parts.push(`Aliases:\n  ${[cmd.name(), ...cmd.aliases()].join(", ")}`);
  }
  if (info.examples.trim()) parts.push(`Examples:\n${info.examples.replace(/^\n+|\s+$/g, "")}`);

  if (subcommands.length > 0) {
    const names = [...subcommands].sort((a, b) => byCodeUnits(a.name(), b.name()));
    const width = Math.max(11, ...names.map((c) => c.name().length + 2));
    const lines = names.map((c) => `  ${c.name().padEnd(width)}${c.summary() || c.description()}`);
    parts.push(`Available Commands:\n${lines.join("\n")}`);
  }

  const local = sortRows([...visibleFlags(cmd).map(flagRow), helpRow(cmd)]);
  parts.push(`Flags:\n${table(local)}`);

  const globals: FlagRow[] = [];
  for (let c = cmd.parent; c; c = c.parent) globals.push(...visibleFlags(c).map(flagRow));
  if (globals.length > 0) parts.push(`Global Flags:\n${table(sortRows(globals))}`);

  if (subcommands.length > 0) {
    parts.push(`Use "${path} [command] --help" for more information about a command.`);
  }
  return parts.join("\n\n") + "\n";
}

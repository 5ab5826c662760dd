/**
 * A typed command-line flag: its pflag type (bool, string, strings, int), names, default and
 * help, so the parser reads its values the way ko does and help shows ko's type hints and
 * defaults.
 */

/** The value types ko's flags have (pflag's Bool, String, StringSlice, Int). */
type FlagKind = "bool" | "string" | "strings" | "int";

/** Any flag value. */
export type FlagValue = boolean | string | string[] | number;

/** How a shell should complete a flag's value. */
export type CompleteHint = "file" | "dir";

/** Everything needed to declare a flag. */
export interface FlagSpec {
  /** Short and long names as shown in help: `-t, --tags` or `--bare`. */
  names: string;
  /** Value type. */
  kind: FlagKind;
  /** One-line help text. */
  description: string;
  /** Default value; omitted means the type's zero value (false, "", [], 0). */
  default?: FlagValue;
  /** For string flags: the only values accepted (also offered by shell completion). */
  allowed?: readonly string[];
  /** How shells complete the value. */
  complete?: CompleteHint;
  /** Left out of help and completion. */
  hidden?: boolean;
}

/** A typed flag; see {@link FlagSpec}. */
export class KoOption {
  /** Value type. */
  readonly kind: FlagKind;
  /** Names as written in help (`-t, --tags`). */
  readonly names: string;
  /** One-line help text. */
  readonly description: string;
  /** The value when the flag is not given. */
  readonly defaultValue: FlagValue;
  /** Left out of help and completion. */
  readonly hidden: boolean;
  /** Accepted values of a string flag, if restricted. */
  readonly allowed?: readonly string[];
  /** Shell completion hint for the value. */
  readonly complete?: CompleteHint;
  readonly #long: string;
  readonly #short: string | undefined;

  /** Declares a flag; throws on names that are not `-x, --name` or `--name`. */
  constructor(spec: FlagSpec) {
    const m = /^(?:-([A-Za-z0-9]), )?--([A-Za-z0-9][A-Za-z0-9-]*)$/.exec(spec.names);
    if (!m) {
      throw new Error(`ko: bad flag names "${spec.names}": expected "-x, --name" or "--name"`);
    }
    this.#short = m[1];
    this.#long = m[2]!;
    this.kind = spec.kind;
    this.names = spec.names;
    this.description = spec.description;
    this.defaultValue = spec.default ?? zeroValue(spec.kind);
    this.hidden = spec.hidden ?? false;
    if (spec.allowed) this.allowed = spec.allowed;
    if (spec.complete) this.complete = spec.complete;
  }

  /** The long name without dashes (`tags`). */
  longName(): string {
    return this.#long;
  }

  /** The short letter without the dash (`t`), if any. */
  shortName(): string | undefined {
    return this.#short;
  }
}

/** The value a flag of this kind has when not given and without a default. */
function zeroValue(kind: FlagKind): FlagValue {
  switch (kind) {
    case "bool":
      return false;
    case "string":
      return "";
    case "strings":
      return [];
    case "int":
      return 0;
  }
}

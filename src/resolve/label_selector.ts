/**
 * Kubernetes label selectors, parsed and matched like apimachinery's `labels.Parse`:
 * comma-separated requirements (all must hold) of the forms `key=value`, `key==value`,
 * `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, `key>1` and `key<1`.
 * Whitespace separates tokens and is otherwise ignored; `in` and `notin` are keywords only
 * where an operator is expected; an empty selector matches everything.
 */
import { KoError } from "../util/errors.ts";
import { labelKeyErrors, labelValueErrors } from "./label_validation.ts";

/** The operator of one requirement. `exists` is `key`, `!` is `!key`, `gt`/`lt` are `>`/`<`. */
type SelectorOperator =
  | "="
  | "=="
  | "!="
  | "in"
  | "notin"
  | "exists"
  | "!"
  | "gt"
  | "lt";

/** One requirement of a selector: a key, an operator and its values (sorted, distinct). */
interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** Labels of an object: a lookup from key to value. */
type LabelSet = ReadonlyMap<string, string>;

/**
 * A parsed label selector. Requirements are kept sorted by key, like apimachinery, so that
 * {@link LabelSelector.toString} is canonical.
 *
 * @example
 * ```ts
 * const s = parseLabelSelector("app=web,tier notin (db)");
 * s.matches(new Map([["app", "web"]])); // true
 * ```
 */
export class LabelSelector {
  /** The requirements, all of which must hold. */
  readonly requirements: readonly SelectorRequirement[];

  constructor(requirements: readonly SelectorRequirement[]) {
    this.requirements = [...requirements].sort((a, b) => compareStrings(a.key, b.key));
  }

  /** Whether the selector has no requirement (it then matches every object). */
  get empty(): boolean {
    return this.requirements.length === 0;
  }

  /** Whether the labels satisfy every requirement. */
  matches(labels: LabelSet): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** The canonical text form, e.g. `app=web,tier notin (a,b)`. */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

/** Parses a label selector; throws KoError (`unable to parse selector "…": …`) if malformed. */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return new LabelSelector(new SelectorParser(text).parse());
  } catch (err) {
    if (err instanceof SelectorSyntaxError) {
      throw new KoError(`unable to parse selector ${JSON.stringify(text)}: ${err.message}`);
    }
    throw err;
  }
}

function requirementMatches(r: SelectorRequirement, labels: LabelSet): boolean {
  const value = labels.get(r.key);
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return value !== undefined && r.values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !r.values.includes(value);
    case "exists":
      return value !== undefined;
    case "!":
      return value === undefined;
    case "gt":
    case "lt": {
      if (value === undefined) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0] ?? "");
      if (actual === undefined || bound === undefined) return false;
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

function requirementString(r: SelectorRequirement): string {
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "gt":
      return `${r.key}>${r.values[0] ?? ""}`;
    case "lt":
      return `${r.key}<${r.values[0] ?? ""}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ""}`;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

// ---------------------------------------------------------------------------------------
// Lexer

type TokenKind =
  | "end"
  | "identifier"
  | ")"
  | ","
  | "!"
  | "=="
  | "="
  | ">"
  | "<"
  | "!="
  | "in"
  | "notin"
  | "(";

interface Token {
  kind: TokenKind;
  text: string;
}

/** Literal tokens, like apimachinery's string2token table. */
const LITERALS = new Map<string, TokenKind>([
  [")", ")"],
  [",", ","],
  ["!", "!"],
  ["==", "=="],
  ["=", "="],
  [">", ">"],
  ["in", "in"],
  ["<", "<"],
  ["!=", "!="],
  ["notin", "notin"],
  ["(", "("],
]);

const isWhitespace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => "=!(),><".includes(c);

/** Splits the selector into tokens. Special symbols are read greedily (`!=`, `==`). */
function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      tokens.push({ kind: "end", text: "" });
      return tokens;
    }
    if (isSpecial(s[pos]!)) {
      // Longest prefix of special symbols that is a literal ("!=" rather than "!").
      let best: Token | undefined;
      let end = pos;
      while (end < s.length && isSpecial(s[end]!)) {
        const kind = LITERALS.get(s.slice(pos, end + 1));
        if (kind) best = { kind, text: s.slice(pos, end + 1) };
        else if (best) break;
        end++;
      }
      // Every single special symbol is a literal, so best is always set here.
      tokens.push(best!);
      pos += best!.text.length;
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]!) && !isWhitespace(s[pos]!)) pos++;
    const text = s.slice(start, pos);
    tokens.push({ kind: LITERALS.get(text) ?? "identifier", text });
  }
}

// ---------------------------------------------------------------------------------------
// Parser

class SelectorSyntaxError extends Error {}

/** Where the parser is: `in`/`notin` are operators only in the operator position. */
type Context = "operator" | "values";

class SelectorParser {
  #tokens: Token[];
  #pos = 0;

  constructor(text: string) {
    this.#tokens = lex(text);
  }

  #peek(context: Context = "values"): Token {
    return demote(this.#tokens[this.#pos]!, context);
  }

  #next(context: Context = "values"): Token {
    const t = this.#tokens[this.#pos]!;
    if (this.#pos < this.#tokens.length - 1) this.#pos++;
    return demote(t, context);
  }

  parse(): SelectorRequirement[] {
    const requirements: SelectorRequirement[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.kind === "end") return requirements;
      if (t.kind !== "identifier" && t.kind !== "!") {
        throw new SelectorSyntaxError(
          `found ${found(t)}, expected: !, identifier, or 'end of string'`,
        );
      }
      try {
        requirements.push(this.#requirement());
      } catch (err) {
        if (err instanceof SelectorSyntaxError) {
          throw new SelectorSyntaxError(`unable to parse requirement: ${err.message}`);
        }
        throw err;
      }
      const after = this.#next();
      if (after.kind === "end") return requirements;
      if (after.kind !== ",") {
        throw new SelectorSyntaxError(`found ${found(after)}, expected: ',' or 'end of string'`);
      }
      const following = this.#peek();
      if (following.kind !== "identifier" && following.kind !== "!") {
        throw new SelectorSyntaxError(`found ${found(following)}, expected: identifier after ','`);
      }
    }
  }

  #requirement(): SelectorRequirement {
    let negated = false;
    let t = this.#next();
    if (t.kind === "!") {
      negated = true;
      t = this.#next();
    }
    if (t.kind !== "identifier") {
      throw new SelectorSyntaxError(`found ${found(t)}, expected: identifier`);
    }
    const key = t.text;
    checkKey(key);
    const ahead = this.#peek();
    // `!key` is complete even when followed by something else: the caller then reports
    // that token as unexpected, as apimachinery does.
    if (negated) return { key, operator: "!", values: [] };
    if (ahead.kind === "end" || ahead.kind === ",") return { key, operator: "exists", values: [] };

    const op = this.#next("operator");
    let operator: SelectorOperator;
    let values: string[];
    switch (op.kind) {
      case "in":
      case "notin":
        operator = op.kind;
        values = this.#valueSet();
        break;
      case "=":
      case "==":
      case "!=":
        operator = op.kind;
        values = [this.#exactValue()];
        break;
      case ">":
      case "<":
        operator = op.kind === ">" ? "gt" : "lt";
        values = [this.#exactValue()];
        break;
      default:
        throw new SelectorSyntaxError(
          `found ${found(op)}, expected: in, notin, =, ==, !=, gt, lt`,
        );
    }
    for (const v of values) checkValue(key, v);
    if ((operator === "gt" || operator === "lt") && parseInt64(values[0]!) === undefined) {
      throw new SelectorSyntaxError(
        `invalid value ${JSON.stringify(values[0])} for key ${
          JSON.stringify(key)
        }: for 'gt', 'lt' operators, the value must be an integer`,
      );
    }
    return { key, operator, values };
  }

  /** `(a,b,c)`; empty members (`()`, `(a,)`, `(,a)`, `(a,,b)`) stand for the empty value. */
  #valueSet(): string[] {
    const open = this.#next();
    if (open.kind !== "(") throw new SelectorSyntaxError(`found ${found(open)}, expected: '('`);
    const values = new Set<string>();
    const first = this.#peek();
    if (first.kind === ")") {
      this.#next();
      return [""];
    }
    if (first.kind !== "identifier" && first.kind !== ",") {
      throw new SelectorSyntaxError(`found ${found(first)}, expected: ',', ')' or identifier`);
    }
    for (;;) {
      const t = this.#next();
      if (t.kind === "identifier") {
        values.add(t.text);
        const ahead = this.#peek();
        if (ahead.kind === ")") break;
        if (ahead.kind !== ",") {
          throw new SelectorSyntaxError(`found ${found(ahead)}, expected: ',' or ')'`);
        }
      } else if (t.kind === ",") {
        if (values.size === 0) values.add(""); // "(,"
        const ahead = this.#peek();
        if (ahead.kind === ")") {
          values.add(""); // ",)"
          break;
        }
        if (ahead.kind === ",") values.add(""); // ",,"
      } else {
        throw new SelectorSyntaxError(`found ${found(t)}, expected: ',', or identifier`);
      }
    }
    this.#next(); // ")"
    return [...values].sort(compareStrings);
  }

  /** The value after `=`, `==`, `!=`, `>` or `<`; nothing (end or `,`) is the empty value. */
  #exactValue(): string {
    const ahead = this.#peek();
    if (ahead.kind === "end" || ahead.kind === ",") return "";
    const t = this.#next();
    if (t.kind !== "identifier") {
      throw new SelectorSyntaxError(`found ${found(t)}, expected: identifier`);
    }
    return t.text;
  }
}

/** In value position the keywords `in` and `notin` are plain identifiers. */
function demote(t: Token, context: Context): Token {
  if (context === "values" && (t.kind === "in" || t.kind === "notin")) {
    return { kind: "identifier", text: t.text };
  }
  return t;
}

function found(t: Token): string {
  return t.kind === "end" ? "end of string" : `'${t.text}'`;
}

function checkKey(key: string): void {
  const errs = labelKeyErrors(key);
  if (errs.length > 0) {
    throw new SelectorSyntaxError(`invalid label key ${JSON.stringify(key)}: ${errs.join("; ")}`);
  }
}

function checkValue(key: string, value: string): void {
  const errs = labelValueErrors(value);
  if (errs.length > 0) {
    throw new SelectorSyntaxError(
      `invalid value ${JSON.stringify(value)} for key ${JSON.stringify(key)}: ${errs.join("; ")}`,
    );
  }
}

/** Go's string order; keys and values are validated ASCII, so code units order them alike. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `WWW-Authenticate` challenge parsing (RFC 7235): several challenges per header and several
 * headers, case-insensitive scheme and parameter names, quoted strings with escapes and
 * commas, unquoted values and token68 forms.
 */
import { KoError } from "../util/errors.ts";

/** One authentication challenge: a lowercase scheme and its parameters (lowercase names). */
export interface Challenge {
  /** `bearer`, `basic`, … (lowercased). */
  scheme: string;
  /** Parameters such as `realm`, `service`, `scope`, `error`; names lowercased. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge uses it instead of params. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? "";
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  skipSeparators(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === ",") this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

function malformed(header: string, why: string): KoError {
  const shown = header.length > 200 ? `${header.slice(0, 200)}…` : header;
  return new KoError(`malformed WWW-Authenticate header "${shown}": ${why}`);
}

/** Reads a quoted string at the cursor (which sits on the opening quote). */
function quoted(c: Cursor, header: string): string {
  c.pos++; // opening quote
  let out = "";
  while (!c.done) {
    const ch = c.peek();
    if (ch === "\\") {
      c.pos++;
      if (c.done) break;
      out += c.peek();
      c.pos++;
    } else if (ch === '"') {
      c.pos++;
      return out;
    } else {
      out += ch;
      c.pos++;
    }
  }
  throw malformed(header, "unterminated quoted string");
}

/** An unquoted parameter value: lenient, anything up to a comma or whitespace. */
function bareValue(c: Cursor): string {
  const start = c.pos;
  while (!c.done && !/[,\s]/.test(c.peek())) c.pos++;
  return c.text.slice(start, c.pos);
}

/**
 * Tries to read `name = value` at the cursor. Returns undefined (cursor restored) when the
 * text there is not a parameter, i.e. it starts the next challenge.
 */
function param(c: Cursor, header: string): [string, string] | undefined {
  const start = c.pos;
  const name = c.token();
  if (name === "") return undefined;
  c.skipSpaces();
  if (c.peek() !== "=") {
    c.pos = start;
    return undefined;
  }
  c.pos++;
  c.skipSpaces();
  const value = c.peek() === '"' ? quoted(c, header) : bareValue(c);
  return [name.toLowerCase(), value];
}

/** Reads a token68 (`abc123==`) if the cursor sits on one that ends the challenge. */
function token68(c: Cursor): string | undefined {
  const start = c.pos;
  while (!c.done && TOKEN68_CHAR.test(c.peek())) c.pos++;
  if (c.pos === start) return undefined;
  while (c.peek() === "=") c.pos++;
  const end = c.pos;
  c.skipSpaces();
  if (c.done || c.peek() === ",") return c.text.slice(start, end);
  c.pos = start;
  return undefined;
}

/**
 * Parses one or more `WWW-Authenticate` header values into challenges, in order.
 * Throws a KoError quoting the header when it cannot be parsed.
 *
 * @example
 * ```ts
 * parseChallenges([`Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull"`]);
 * // [{ scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg", scope: "repository:a:pull" } }]
 * ```
 */
export function parseChallenges(headers: string | readonly string[]): Challenge[] {
  const list = typeof headers === "string" ? [headers] : headers;
  const out: Challenge[] = [];
  for (const header of list) {
    const c = new Cursor(header);
    c.skipSeparators();
    if (c.done) throw malformed(header, "no challenge");
    while (!c.done) {
      const scheme = c.token();
      if (scheme === "") {
        throw malformed(header, `unexpected character "${c.peek()}" at position ${c.pos}`);
      }
      const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
      out.push(challenge);
      if (c.peek() !== " " && c.peek() !== "\t" && c.peek() !== "," && !c.done) {
        throw malformed(header, `unexpected character "${c.peek()}" after scheme "${scheme}"`);
      }
      c.skipSpaces();
      const t68 = token68(c);
      if (t68 !== undefined) {
        challenge.token68 = t68;
      } else {
        for (;;) {
          c.skipSeparators();
          if (c.done) break;
          const p = param(c, header);
          if (!p) break;
          challenge.params[p[0]] = p[1];
          c.skipSpaces();
          if (!c.done && c.peek() !== ",") {
            throw malformed(header, `expected "," at position ${c.pos}`);
          }
        }
      }
      c.skipSeparators();
    }
  }
  return out;
}

/**
 * The challenge to answer: Bearer first, then Basic; undefined when there is none we support.
 */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ??
    challenges.find((c) => c.scheme === "basic");
}

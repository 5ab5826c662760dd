/**
 * The lexer of the Go `text/template` subset (see template.ts): splits a template into text
 * and the tokens inside `{{ }}` actions, handling the trim markers `{{- ` / ` -}}` and
 * `{{/* comments *\/}}` the way Go does. Positions are offsets into the template text.
 */
import { isPrint } from "../util/go_quote.ts";

/** Kinds of tokens. */
export type TokenKind =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "pipe"
  | "leftParen"
  | "rightParen"
  | "declare"
  | "assign"
  | "char"
  | "string"
  | "rawString"
  | "charConstant"
  | "number"
  | "bool"
  | "nil"
  | "dot"
  | "field"
  | "variable"
  | "identifier"
  | "keyword"
  | "eof"
  | "error";

/** One token: its kind, its text (the message for `error`), and where it starts. */
export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "template",
  "with",
]);

const LEFT = "{{";
const RIGHT = "}}";
const SPACE_CHARS = " \t\r\n";

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE_CHARS.includes(c);
}

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && (c === "_" || /[\p{L}\p{Nd}]/u.test(c));
}

/**
 * The offset just past the `"…"` or `'…'` literal that opens at `start` (backslash escapes
 * skipped), or undefined when it is not closed on its line.
 */
function quotedEnd(input: string, start: number): number | undefined {
  const quote = input[start];
  for (let p = start + 1;; p++) {
    let d = input[p];
    if (d === "\\") d = input[++p];
    else if (d === quote) return p + 1;
    if (d === undefined || d === "\n") return undefined;
  }
}

/** Splits a template into tokens; a lexing error is the last token, of kind `error`. */
export function lexTemplate(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let parenDepth = 0;

  // Line numbers by binary search over the offsets of line starts.
  const starts = [0];
  for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === 10) starts.push(i + 1);
  const lineAt = (p: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const emit = (kind: TokenKind, start: number, end: number, value = input.slice(start, end)) => {
    tokens.push({ kind, value, pos: start, line: lineAt(start) });
  };
  const fail = (message: string, at: number): Token[] => {
    tokens.push({ kind: "error", value: message, pos: at, line: lineAt(at) });
    return tokens;
  };
  const atRightDelim = (p: number): { ok: boolean; trim: boolean } => {
    if (isSpace(input[p]) && input[p + 1] === "-" && input.startsWith(RIGHT, p + 2)) {
      return { ok: true, trim: true };
    }
    return { ok: input.startsWith(RIGHT, p), trim: false };
  };

  while (pos <= input.length) {
    // Text up to the next action.
    const next = input.indexOf(LEFT, pos);
    if (next < 0) {
      if (pos < input.length) emit("text", pos, input.length);
      break;
    }
    let textEnd = next;
    const trimLeft = input[next + 2] === "-" && isSpace(input[next + 3]);
    if (trimLeft) {
      while (textEnd > pos && isSpace(input[textEnd - 1])) textEnd--;
    }
    if (textEnd > pos) emit("text", pos, textEnd);
    let p = next + 2 + (trimLeft ? 2 : 0);

    // A comment fills the whole action.
    if (input.startsWith("/*", p)) {
      const close = input.indexOf("*/", p + 2);
      if (close < 0) return fail("unclosed comment", next);
      let q = close + 2;
      const r = atRightDelim(q);
      if (!r.ok) return fail("comment ends before closing delimiter", next);
      q += r.trim ? 4 : 2;
      if (r.trim) { while (isSpace(input[q])) q++; }
      pos = q;
      continue;
    }

    emit("leftDelim", next, next + 2 + (trimLeft ? 2 : 0), LEFT);
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const rd = atRightDelim(p);
      if (rd.ok) {
        if (parenDepth > 0) return fail("unclosed left paren", p);
        const end = p + (rd.trim ? 4 : 2);
        emit("rightDelim", p, end, RIGHT);
        p = end;
        if (rd.trim) { while (isSpace(input[p])) p++; }
        break;
      }
      const c = input[p];
      if (c === undefined) return fail("unclosed action", next);
      const start = p;
      if (isSpace(c)) {
        while (isSpace(input[p]) && !atRightDelim(p).ok) p++;
        emit("space", start, p);
        continue;
      }
      if (c === "=") {
        emit("assign", p, ++p);
        continue;
      }
      if (c === ":") {
        if (input[p + 1] !== "=") return fail("expected :=", p);
        p += 2;
        emit("declare", start, p);
        continue;
      }
      if (c === "|") {
        emit("pipe", p, ++p);
        continue;
      }
      if (c === '"' || c === "'") {
        const end = quotedEnd(input, start);
        const string = c === '"';
        if (end === undefined) {
          return fail(
            string ? "unterminated quoted string" : "unterminated character constant",
            start,
          );
        }
        p = end;
        emit(string ? "string" : "charConstant", start, p);
        continue;
      }
      if (c === "`") {
        const close = input.indexOf("`", p + 1);
        if (close < 0) return fail("unterminated raw quoted string", start);
        p = close + 1;
        emit("rawString", start, p);
        continue;
      }
      if (c === "$") {
        p++;
        while (isAlphaNumeric(input[p])) p++;
        emit("variable", start, p);
        continue;
      }
      if (c === "(") {
        parenDepth++;
        emit("leftParen", p, ++p);
        continue;
      }
      if (c === ")") {
        parenDepth--;
        if (parenDepth < 0) return fail("unexpected right paren", p);
        emit("rightParen", p, ++p);
        continue;
      }
      if (c === "." && !/[0-9]/.test(input[p + 1] ?? "")) {
        p++;
        if (!isAlphaNumeric(input[p])) {
          emit("dot", start, p);
          continue;
        }
        while (isAlphaNumeric(input[p])) p++;
        if (!atTerminator(input, p)) return fail(`bad character ${goRune(input[p]!)}`, p);
        emit("field", start, p);
        continue;
      }
      if (c === "+" || c === "-" || c === "." || /[0-9]/.test(c)) {
        const end = scanNumber(input, p);
        if (end === undefined || isAlphaNumeric(input[end])) {
          const q = Math.max(end ?? p + 1, p + 1) + (end !== undefined ? 1 : 0);
          return fail(`bad number syntax: ${JSON.stringify(input.slice(p, q))}`, p);
        }
        p = end;
        emit("number", start, p);
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[p])) p++;
        if (!atTerminator(input, p)) return fail(`bad character ${goRune(input[p]!)}`, p);
        const word = input.slice(start, p);
        if (KEYWORDS.has(word)) emit("keyword", start, p);
        else if (word === "true" || word === "false") emit("bool", start, p);
        else if (word === "nil") emit("nil", start, p);
        else emit("identifier", start, p);
        continue;
      }
      if (c.charCodeAt(0) < 0x7f && c >= " ") {
        emit("char", p, ++p); // `,` in range declarations; anything else is a parse error
        continue;
      }
      return fail(`unrecognized character in action: ${goRune(c)}`, p);
    }
    pos = p;
  }
  tokens.push({ kind: "eof", value: "", pos: input.length, line: lineAt(input.length) });
  return tokens;
}

function atTerminator(input: string, p: number): boolean {
  const c = input[p];
  if (c === undefined || isSpace(c)) return true;
  if (".,|:()".includes(c)) return true;
  return input.startsWith(RIGHT, p);
}

/** The end of a Go number literal starting at `p` (sign, prefixes, `_`, fraction, exponent, `i`). */
function scanNumber(input: string, p: number): number | undefined {
  let q = p;
  if (input[q] === "+" || input[q] === "-") q++;
  let digits = "0123456789_";
  if (input[q] === "0" && /[xXoObB]/.test(input[q + 1] ?? "")) {
    const base = input[q + 1]!.toLowerCase();
    digits = base === "x" ? "0123456789abcdefABCDEF_" : base === "o" ? "01234567_" : "01_";
    q += 2;
  }
  const startDigits = q;
  while (q < input.length && digits.includes(input[q]!)) q++;
  if (input[q] === ".") {
    q++;
    while (q < input.length && digits.includes(input[q]!)) q++;
  }
  if (q === startDigits) return undefined;
  const exp = digits.length === 11 ? "eE" : digits.length > 11 ? "pP" : "";
  if (exp !== "" && exp.includes(input[q] ?? "")) {
    q++;
    if (input[q] === "+" || input[q] === "-") q++;
    const e = q;
    while (q < input.length && "0123456789_".includes(input[q]!)) q++;
    if (q === e) return undefined;
  }
  if (input[q] === "i") q++;
  return q;
}

/** A rune as Go's `%#U` prints it: `U+0021 '!'`. */
function goRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return isPrint(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

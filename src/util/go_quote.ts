/**
 * Go string literals as `strconv` reads and writes them: `Unquote` and `QuotedPrefix` for the
 * quoted keys and values of `build` lines in Go build info (`build\t-ldflags="-s -w"`) and the
 * string constants of `.ko.yaml` templates; `Quote` and `IsPrint` for writing build info and
 * for the template engine's `%q`, `%#U`, `js` and error messages.
 */

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
  '"': 0x22,
};

/**
 * The value of a Go interpreted (`"…"`) or raw (`` `…` ``) string literal, or undefined when
 * `s` is not exactly one valid literal.
 */
export function goUnquote(s: string): string | undefined {
  if (s.length < 2) return undefined;
  const q = s[0];
  if (q !== s[s.length - 1]) return undefined;
  const body = s.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) return undefined;
    return body.replaceAll("\r", "");
  }
  if (q !== '"') return undefined;
  if (body.includes("\n")) return undefined;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === '"') return undefined;
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === "x") {
      const hex = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
      i += 2 + n;
    } else if (e >= "0" && e <= "7") {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
    } else {
      return undefined;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * The Go string literal at the start of `s` (quotes included), or undefined when `s` does not
 * start with a valid one.
 */
export function goQuotedPrefix(s: string): string | undefined {
  const q = s[0];
  if (q === "`") {
    const end = s.indexOf("`", 1);
    return end < 0 ? undefined : s.slice(0, end + 1);
  }
  if (q !== '"') return undefined;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === "\n") return undefined;
    if (c === "\\") {
      i++;
    } else if (c === '"') {
      const literal = s.slice(0, i + 1);
      return goUnquote(literal) === undefined ? undefined : literal;
    }
  }
  return undefined;
}

/**
 * Whether Go's `strconv.IsPrint` holds for a one-rune string: letters, marks, numbers,
 * punctuation, symbols and the ASCII space (from JavaScript's Unicode tables, which may be of
 * another Unicode version than Go's).
 */
export function isPrint(r: string): boolean {
  return r === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(r);
}

const QUOTE_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/**
 * Go's `strconv.Quote` (or `strconv.QuoteToASCII` when `ascii`): a double-quoted literal with
 * `\a`-style, `\x`, `\u` and `\U` escapes for what is not printable.
 *
 * @example
 * ```ts
 * goQuote("tab\there"); // "\"tab\\there\""
 * ```
 */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const r of s) {
    const cp = r.codePointAt(0)!;
    if (r === '"' || r === "\\") out += "\\" + r;
    else if (cp < 0x80 ? isPrint(r) : !ascii && isPrint(r) && (cp < 0xd800 || cp >= 0xe000)) {
      out += r;
    } else if (QUOTE_ESCAPES[r]) out += QUOTE_ESCAPES[r];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0xd800 && cp < 0xe000) out += "\\ufffd";
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

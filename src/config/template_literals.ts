/**
 * Go literal syntax for template constants: integers with base prefixes and `_` (like
 * strconv.ParseInt with base 0), decimal floats, and interpreted strings (strconv.Unquote).
 */

/** Go's strconv.ParseInt(s, 0, 64) without the range check (the caller checks it). */
export function parseGoInt(text: string): bigint | undefined {
  let s = text;
  let sign = 1n;
  if (s[0] === "+" || s[0] === "-") {
    if (s[0] === "-") sign = -1n;
    s = s.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(s)) [base, s, prefixed] = [16, s.slice(2), true];
  else if (/^0[oO]/.test(s)) [base, s, prefixed] = [8, s.slice(2), true];
  else if (/^0[bB]/.test(s)) [base, s, prefixed] = [2, s.slice(2), true];
  else if (/^0[0-9_]/.test(s)) [base, s, prefixed] = [8, s.slice(1), true];
  if (s.includes("_")) {
    if (!prefixed && base === 10 && !/^[0-9]+(_[0-9]+)*$/.test(s)) return undefined;
    if (/__|_$/.test(s) || (!prefixed && s.startsWith("_"))) return undefined;
    s = s.replaceAll("_", "");
  }
  const digits = base === 16
    ? /^[0-9a-fA-F]+$/
    : base === 8
    ? /^[0-7]+$/
    : base === 2
    ? /^[01]+$/
    : /^[0-9]+$/;
  if (s === "" || !digits.test(s)) return text === "0" ? 0n : undefined;
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  return sign * BigInt(prefix + s);
}

/** Go's strconv.ParseFloat for decimal literals (hex floats are refused). */
export function parseGoFloat(text: string): number | undefined {
  const s = text.replaceAll("_", "");
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

/** Go's strconv.Unquote for a double-quoted literal; undefined when it is invalid. */
export function unquote(quoted: string): string | undefined {
  if (quoted.length < 2 || quoted[0] !== '"' || quoted.at(-1) !== '"') return undefined;
  const s = quoted.slice(1, -1);
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '"' || c === "\n") return undefined;
    if (c !== "\\") {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!.charCodeAt(0));
      i += 2;
    } else if (e === "x" || e === "u" || e === "U") {
      const len = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const v = parseInt(hex, 16);
      if (e === "x") bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
        bytes.push(...enc.encode(String.fromCodePoint(v)));
      }
      i += 2 + len;
    } else if (/[0-7]/.test(e)) {
      const oct = s.slice(i + 1, i + 4);
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

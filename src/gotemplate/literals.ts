/**
 * Go literal syntax for template number constants: integers with base prefixes and `_` (like
 * strconv.ParseInt with base 0) and decimal floats. String constants: src/util/go_quote.ts.
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

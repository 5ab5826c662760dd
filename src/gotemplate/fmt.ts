/**
 * Go's `fmt` formatting for template values (values.ts): `Sprint`, `Sprintln` and `Sprintf`
 * with the verbs and flags people put in ko templates (`%s %d %v %q %x %X %t %f %e %g %c %o %b
 * %U`, width, precision, `-+# 0`), including Go's error forms such as `%!d(string=x)`,
 * `%!s(MISSING)` and `%!(EXTRA int=1)`.
 */
import { goQuote, isPrint } from "../util/go_quote.ts";
import { kindOf, numberOf, sortedKeys, typeName } from "./values.ts";

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid?: number;
  prec?: number;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };

/** Go's `fmt.Sprint`: operands formatted with `%v`, a space between two non-strings. */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === "string";
    if (i > 0 && !isString && !prevString) out += " ";
    out += formatArg(a, "v", NO_FLAGS);
    prevString = isString;
  });
  return out;
}

/** Go's `fmt.Sprintln`: operands with `%v`, always space-separated, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatArg(a, "v", NO_FLAGS)).join(" ") + "\n";
}

/** A value as `%v` prints it. */
export function formatValue(v: unknown): string {
  return formatArg(v, "v", NO_FLAGS);
}

/** Go's `fmt.Sprintf`. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argNum = 0;
  const chars = [...format];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c !== "%") {
      out += c;
      i++;
      continue;
    }
    i++;
    const f: Flags = { ...NO_FLAGS };
    for (; i < chars.length; i++) {
      const k = chars[i];
      if (k === "#") f.sharp = true;
      else if (k === "0") f.zero = true;
      else if (k === "+") f.plus = true;
      else if (k === "-") f.minus = true;
      else if (k === " ") f.space = true;
      else break;
    }
    if (f.minus) f.zero = false;
    let badWidth = false;
    if (chars[i] === "*") {
      i++;
      const a = args[argNum++];
      if (kindOf(a) === "int") {
        f.wid = Number(a);
        if (f.wid < 0) [f.wid, f.minus, f.zero] = [-f.wid, true, false];
      } else badWidth = true;
    } else {
      const start = i;
      while (i < chars.length && /[0-9]/.test(chars[i]!)) i++;
      if (i > start) f.wid = Number(chars.slice(start, i).join(""));
    }
    if (badWidth) out += "%!(BADWIDTH)";
    let badPrec = false;
    if (chars[i] === ".") {
      i++;
      if (chars[i] === "*") {
        i++;
        const a = args[argNum++];
        if (kindOf(a) === "int" && Number(a) >= 0) f.prec = Number(a);
        else badPrec = true;
      } else {
        const start = i;
        while (i < chars.length && /[0-9]/.test(chars[i]!)) i++;
        f.prec = i > start ? Number(chars.slice(start, i).join("")) : 0;
      }
    }
    if (badPrec) out += "%!(BADPREC)";
    if (i >= chars.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = chars[i++]!;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], verb, f);
  }
  if (argNum < args.length) {
    const extra = args.slice(argNum).map((a) =>
      kindOf(a) === "invalid" ? "<nil>" : `${typeName(a)}=${formatArg(a, "v", NO_FLAGS)}`
    );
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}

function badVerb(v: unknown, verb: string): string {
  if (kindOf(v) === "invalid") return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatArg(v, "v", NO_FLAGS)})`;
}

function formatArg(v: unknown, verb: string, f: Flags): string {
  if (verb === "T") return pad(typeName(v), f);
  switch (kindOf(v)) {
    case "invalid":
      return verb === "v" ? pad("<nil>", f) : badVerb(v, verb);
    case "bool":
      return verb === "t" || verb === "v" ? pad(String(v), f) : badVerb(v, verb);
    case "int":
      return formatInt(BigInt(v as number | bigint), verb, f) ?? badVerb(v, verb);
    case "float":
      return formatFloat(numberOf(v), verb, f) ?? badVerb(v, verb);
    case "string":
      return formatString(v as string, verb, f) ?? badVerb(v, verb);
    case "slice":
      return `[${(v as unknown[]).map((e) => formatArg(e, verb, f)).join(" ")}]`;
    case "map": {
      const m = v as Record<string, unknown>;
      const items = sortedKeys(m).map((k) =>
        `${formatArg(k, verb, f)}:${formatArg(m[k], verb, f)}`
      );
      return `map[${items.join(" ")}]`;
    }
  }
}

/** Pads to the width in runes: spaces left, spaces right with `-`, zeros left with `0`. */
function pad(s: string, f: Flags, zeroOk = true): string {
  const n = [...s].length;
  if (f.wid === undefined || n >= f.wid) return s;
  const fill = f.wid - n;
  if (f.minus) return s + " ".repeat(fill);
  if (f.zero && zeroOk) return "0".repeat(fill) + s;
  return " ".repeat(fill) + s;
}

function formatInt(n: bigint, verb: string, f: Flags): string | undefined {
  switch (verb) {
    case "v":
    case "d":
      return integer(n, 10, verb, f);
    case "b":
      return integer(n, 2, verb, f);
    case "o":
    case "O":
      return integer(n, 8, verb, f);
    case "x":
    case "X":
      return integer(n, 16, verb, f);
    case "c":
      return pad(runeString(n), f, false);
    case "q":
      return pad(quoteRune(n), f, false);
    case "U": {
      let s = `U+${(n < 0n ? -n : n).toString(16).toUpperCase().padStart(f.prec ?? 4, "0")}`;
      if (f.sharp && n >= 0n && n <= 0x10ffffn && isPrint(runeString(n))) {
        s += ` '${runeString(n)}'`;
      }
      return pad(s, f, false);
    }
    default:
      return undefined;
  }
}

function integer(n: bigint, base: number, verb: string, f: Flags): string {
  const negative = n < 0n;
  const u = negative ? -n : n;
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad("", { ...f, zero: false });
  } else if (f.zero && !f.minus && f.wid !== undefined) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  digits = digits.padStart(prec, "0");
  if (f.sharp) {
    if (base === 2) digits = "0b" + digits;
    else if (base === 8 && !digits.startsWith("0")) digits = "0" + digits;
    else if (base === 16) digits = (verb === "X" ? "0X" : "0x") + digits;
  }
  if (verb === "O") digits = "0o" + digits;
  const sign = negative ? "-" : f.plus ? "+" : f.space ? " " : "";
  return pad(sign + digits, { ...f, zero: false });
}

function formatFloat(x: number, verb: string, f: Flags): string | undefined {
  let body: string;
  switch (verb) {
    case "v":
    case "g":
    case "G":
      body = formatG(Math.abs(x), f.prec, f.sharp);
      if (verb === "G") body = body.toUpperCase();
      break;
    case "e":
    case "E":
      body = formatE(Math.abs(x), f.prec ?? 6);
      if (verb === "E") body = body.toUpperCase();
      break;
    case "f":
    case "F":
      body = Number.isFinite(x)
        ? Math.abs(x).toFixed(Math.min(f.prec ?? 6, 100))
        : formatG(Math.abs(x));
      break;
    default:
      return undefined;
  }
  if (Number.isNaN(x)) {
    body = "NaN";
    return pad(f.plus ? "+NaN" : f.space ? " NaN" : "NaN", { ...f, zero: false });
  }
  if (!Number.isFinite(x)) body = "Inf";
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? "-" : f.plus || !Number.isFinite(x) ? "+" : f.space ? " " : "";
  if (f.zero && !f.minus && f.wid !== undefined && Number.isFinite(x)) {
    return sign + body.padStart(f.wid - sign.length, "0");
  }
  return pad(sign + body, { ...f, zero: false });
}

/** `%e` with `prec` fraction digits and Go's two-digit minimum exponent. */
function formatE(x: number, prec: number): string {
  if (!Number.isFinite(x)) return "Inf";
  const s = x.toExponential(Math.min(prec, 100));
  return goExponent(s);
}

function goExponent(s: string): string {
  const [mant, exp] = s.split("e") as [string, string];
  const sign = exp.startsWith("-") ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  return `${mant}e${sign}${digits}`;
}

/** Go's `%g` (shortest when `prec` is undefined, as for `%v`). */
function formatG(x: number, prec?: number, sharp = false): string {
  if (!Number.isFinite(x)) return "Inf";
  // Decimal digits and exponent of the value, shortest or rounded to `prec` digits.
  const e = prec === undefined ? x.toExponential() : x.toExponential(Math.max(prec, 1) - 1);
  const [mant, expText] = e.split("e") as [string, string];
  let digits = mant.replace(".", "");
  const exp = Number(expText);
  if (prec !== undefined && !sharp) digits = digits.replace(/0+$/, "") || "0";
  const nd = digits.length;
  let eprec = prec === undefined ? 6 : Math.max(prec, 1);
  if (prec !== undefined && eprec > nd && nd >= exp + 1) eprec = nd;
  if (x === 0) return prec === undefined || !sharp ? "0" : (0).toFixed(Math.max(prec - 1, 0));
  if (exp < -4 || exp >= eprec) {
    const frac = digits.slice(1);
    return goExponent(`${digits[0]}${frac ? "." + frac : ""}e${exp}`);
  }
  // Plain notation with the digits placed around the decimal point.
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return frac ? `${intPart}.${frac}` : intPart;
  }
  return `0.${"0".repeat(-exp - 1)}${digits}`;
}

function formatString(s: string, verb: string, f: Flags): string | undefined {
  const truncated = f.prec === undefined ? s : [...s].slice(0, f.prec).join("");
  switch (verb) {
    case "v":
    case "s":
      return pad(truncated, f);
    case "q":
      return pad(goQuote(truncated, f.plus), f);
    case "x":
    case "X": {
      let bytes = [...new TextEncoder().encode(s)];
      if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
      const hex = bytes.map((b) => {
        const h = b.toString(16).padStart(2, "0");
        return verb === "X" ? h.toUpperCase() : h;
      });
      const prefix = f.sharp ? (verb === "X" ? "0X" : "0x") : "";
      const body = f.space
        ? hex.map((h) => prefix + h).join(" ")
        : (hex.length ? prefix : "") + hex.join("");
      return pad(body, f);
    }
    default:
      return undefined;
  }
}

function runeString(n: bigint): string {
  if (n < 0n || n > 0x10ffffn || (n >= 0xd800n && n < 0xe000n)) return "\ufffd";
  return String.fromCodePoint(Number(n));
}

function quoteRune(n: bigint): string {
  const r = runeString(n);
  if (r === "'") return "'\\''";
  if (r === '"') return `'"'`;
  return `'${goQuote(r).slice(1, -1)}'`;
}

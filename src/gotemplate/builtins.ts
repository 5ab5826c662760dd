/**
 * The builtin functions of Go's `text/template` (`eq`, `ne`, `lt`, `le`, `gt`, `ge`, `not`,
 * `len`, `index`, `slice`, `print`, `printf`, `println`, `html`, `js`, `urlquery`, `call`)
 * over values.ts values. `and` and `or` short-circuit, so the evaluator (eval.ts) handles them.
 * A builtin signals a failure by throwing {@link BuiltinError}; the evaluator reports it as
 * `error calling <name>: <message>`.
 */
import { isPrint } from "../util/go_quote.ts";
import { queryEscape } from "../util/query_escape.ts";
import { sprint, sprintf, sprintln } from "./fmt.ts";
import { isStringMap, isTrue, kindOf, lengthOf, numberOf, typeName } from "./values.ts";

/** A failure inside a builtin (Go's returned `error`). */
export class BuiltinError extends Error {
  override name = "BuiltinError";
}

/**
 * How an argument reaches a builtin: `value` is Go's reflect.Value (nil is refused), `any` is
 * interface{} (nil allowed), `string` must be a string.
 */
export type ParamType = "value" | "any" | "string";

/** A builtin's signature and implementation. */
export interface Builtin {
  fixed: ParamType[];
  variadic?: ParamType;
  fn?: (...args: unknown[]) => unknown;
}

type BasicKind = "bool" | "int" | "float" | "string";

function incompatible(a: unknown, b: unknown): BuiltinError {
  return new BuiltinError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  if (k === "bool" || k === "int" || k === "float" || k === "string") return k;
  throw new BuiltinError("invalid type for comparison");
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new BuiltinError("missing argument for comparison");
  const k1 = kindOf(arg1);
  for (const arg of rest) {
    const k2 = kindOf(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== "invalid" && k2 !== "invalid") throw incompatible(arg1, arg);
    } else if (k1 === "invalid") {
      truth = true;
    } else if (k1 === "map" || k1 === "slice") {
      if (typeName(arg1) !== typeName(arg)) {
        throw new BuiltinError(
          `non-comparable types ${sprintf("%s", [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${
            sprintf("%s", [arg])
          }`,
        );
      }
      throw new BuiltinError(`non-comparable type ${sprintf("%s", [arg])}: ${typeName(arg)}`);
    } else if (k1 === "int") {
      truth = BigInt(arg1 as number) === BigInt(arg as number);
    } else if (k1 === "float") {
      truth = numberOf(arg1) === numberOf(arg);
    } else {
      truth = arg1 === arg;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 !== k2) throw incompatible(arg1, arg2);
  switch (k1) {
    case "bool":
      throw new BuiltinError("invalid type for comparison");
    case "int":
      return BigInt(arg1 as number) < BigInt(arg2 as number);
    case "float":
      return numberOf(arg1) < numberOf(arg2);
    case "string":
      return (arg1 as string) < (arg2 as string);
  }
}

function le(arg1: unknown, arg2: unknown): boolean {
  return lt(arg1, arg2) || eq(arg1, arg2);
}

function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  if (k === "invalid") throw new BuiltinError("cannot index slice/array with nil");
  if (k !== "int") throw new BuiltinError(`cannot index slice/array with type ${typeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new BuiltinError(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (kindOf(item) === "invalid") throw new BuiltinError("index of untyped nil");
  let cur = item;
  for (const ix of indexes) {
    switch (kindOf(cur)) {
      case "slice":
      case "string": {
        const seq = kindOf(cur) === "string"
          ? [...new TextEncoder().encode(cur as string)]
          : (cur as unknown[]);
        const x = indexArg(ix, seq.length);
        if (x === seq.length) {
          throw new BuiltinError(
            `reflect: ${kindOf(cur) === "string" ? "string" : "slice"} index out of range`,
          );
        }
        cur = seq[x];
        break;
      }
      case "map": {
        if (kindOf(ix) === "invalid") {
          throw new BuiltinError("value is nil; should be of type string");
        }
        if (kindOf(ix) !== "string") {
          throw new BuiltinError(`value has type ${typeName(ix)}; should be string`);
        }
        const m = cur as Record<string, unknown>;
        const key = ix as string;
        cur = Object.hasOwn(m, key) ? m[key] : isStringMap(m) ? "" : null;
        break;
      }
      case "invalid":
        throw new BuiltinError("index of nil pointer");
      default:
        throw new BuiltinError(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const k = kindOf(item);
  if (k === "invalid") throw new BuiltinError("slice of untyped nil");
  if (indexes.length > 3) throw new BuiltinError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (k === "string") {
    if (indexes.length === 3) throw new BuiltinError("cannot 3-index slice a string");
    len = lengthOf(item)!;
  } else if (k === "slice") {
    len = (item as unknown[]).length;
  } else {
    throw new BuiltinError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, len);
  });
  if (idx[0]! > idx[1]!) throw new BuiltinError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) {
    throw new BuiltinError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  }
  if (k === "string") {
    const bytes = new TextEncoder().encode(item as string).slice(idx[0], idx[1]);
    return new TextDecoder().decode(bytes);
  }
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args);
}

/** Go's template.HTMLEscapeString. */
function htmlEscape(s: string): string {
  return s.replace(
    /[\0"'&<>]/g,
    (c) =>
      ({ "\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!,
  );
}

/** Go's template.JSEscapeString. */
function jsEscape(s: string): string {
  let out = "";
  for (const r of s) {
    const cp = r.codePointAt(0)!;
    const special: Record<string, string> = {
      "\\": "\\\\",
      "'": "\\'",
      '"': '\\"',
      "<": "\\u003C",
      ">": "\\u003E",
      "&": "\\u0026",
      "=": "\\u003D",
    };
    if (special[r]) out += special[r];
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (cp < 0x80) out += r;
    else if (isPrint(r)) out += r;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

/**
 * The builtins by name, the only functions the parser accepts; `and`/`or` have signatures only
 * (the evaluator runs them).
 */
export const BUILTINS: Readonly<Record<string, Builtin>> = {
  and: { fixed: ["value"], variadic: "value" },
  or: { fixed: ["value"], variadic: "value" },
  not: { fixed: ["value"], fn: (a) => !isTrue(a) },
  len: {
    fixed: ["value"],
    fn: (a) => {
      if (kindOf(a) === "invalid") {
        throw new BuiltinError("reflect: call of reflect.Value.Type on zero Value");
      }
      const n = lengthOf(a);
      if (n === undefined) throw new BuiltinError(`len of type ${typeName(a)}`);
      return n;
    },
  },
  index: { fixed: ["value"], variadic: "value", fn: index },
  slice: { fixed: ["value"], variadic: "value", fn: slice },
  print: { fixed: [], variadic: "any", fn: (...a) => sprint(a) },
  printf: { fixed: ["string"], variadic: "any", fn: (f, ...a) => sprintf(f as string, a) },
  println: { fixed: [], variadic: "any", fn: (...a) => sprintln(a) },
  eq: { fixed: ["value"], variadic: "value", fn: (a, ...b) => eq(a, ...b) },
  ne: { fixed: ["value", "value"], fn: (a, b) => !eq(a, b) },
  lt: { fixed: ["value", "value"], fn: lt },
  le: { fixed: ["value", "value"], fn: le },
  gt: { fixed: ["value", "value"], fn: (a, b) => !le(a, b) },
  ge: { fixed: ["value", "value"], fn: (a, b) => !lt(a, b) },
  html: { fixed: [], variadic: "any", fn: (...a) => htmlEscape(evalArgs(a)) },
  js: { fixed: [], variadic: "any", fn: (...a) => jsEscape(evalArgs(a)) },
  urlquery: { fixed: [], variadic: "any", fn: (...a) => queryEscape(evalArgs(a)) },
  call: {
    fixed: ["value"],
    variadic: "value",
    // The evaluator passes the callee's text first, as Go does for its messages.
    fn: (callee, f) => {
      if (kindOf(f) === "invalid") throw new BuiltinError("call of nil");
      throw new BuiltinError(`non-function ${callee} of type ${typeName(f)}`);
    },
  },
};

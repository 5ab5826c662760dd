/**
 * How template data maps to Go values. Plain JS data stands for what ko hands to
 * `text/template`: strings, integers (`number` or `bigint`), booleans, `null`/`undefined` for
 * nil, arrays for `[]interface {}`, plain objects for `map[string]interface {}`, objects marked
 * with {@link stringMap} for `map[string]string`, and {@link GoFloat} for float64 (a float
 * constant such as `1.5`, or a non-integral number in the data). A `bigint` is named `int64` in
 * messages, as ko's `Timestamp` and `CommitTimestamp` are.
 */

/** A Go float64, kept apart from integers because Go's comparisons and formatting differ. */
export class GoFloat {
  constructor(readonly value: number) {}
}

const STRING_MAP = Symbol("ko.template.stringMap");

/**
 * Marks a record as a Go `map[string]string` (`index` of a missing key gives `""` rather than
 * nil; error messages name the type) and returns it.
 *
 * @example
 * ```ts
 * const data = { Env: stringMap({ HOME: "/root" }) };
 * ```
 */
export function stringMap<T extends Record<string, string>>(record: T): T {
  Object.defineProperty(record, STRING_MAP, { value: true, enumerable: false });
  return record;
}

/** Whether a record was marked with {@link stringMap}. */
export function isStringMap(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[STRING_MAP] === true;
}

/** Go kinds the interpreter distinguishes. */
type Kind = "invalid" | "bool" | "int" | "float" | "string" | "map" | "slice";

/** The Go kind of a value. */
export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "invalid";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (v instanceof GoFloat) return "float";
  if (typeof v === "string") return "string";
  if (Array.isArray(v)) return "slice";
  return "map";
}

/** The numeric value of an int or float. */
export function numberOf(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  return Number(v);
}

/** The Go type name used in messages: `string`, `int`, `map[string]string`, … */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case "invalid":
      return "<nil>";
    case "bool":
      return "bool";
    case "int":
      return typeof v === "bigint" ? "int64" : "int";
    case "float":
      return "float64";
    case "string":
      return "string";
    case "slice":
      return "[]interface {}";
    case "map":
      return isStringMap(v) ? "map[string]string" : "map[string]interface {}";
  }
}

/** The number of elements (bytes for strings), or undefined for kinds without a length. */
export function lengthOf(v: unknown): number | undefined {
  switch (kindOf(v)) {
    case "string":
      return new TextEncoder().encode(v as string).length;
    case "slice":
      return (v as unknown[]).length;
    case "map":
      return Object.keys(v as object).length;
    default:
      return undefined;
  }
}

/** Go template truth: false, 0, nil and empty strings, maps and slices are false. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case "invalid":
      return false;
    case "bool":
      return v as boolean;
    case "int":
    case "float":
      return numberOf(v) !== 0;
    default:
      return (lengthOf(v) ?? 1) > 0;
  }
}

/** The keys of a map in Go's printing and ranging order (sorted by bytes). */
export function sortedKeys(m: object): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

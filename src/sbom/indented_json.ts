/**
 * JSON text as Go's `json.Encoder` writes it with `SetIndent("", "  ")`: two-space indent,
 * `": "` after keys, HTML-safe string escaping (`&` → `\u0026`), a trailing newline. Object
 * keys keep their insertion order (build objects in the order of the Go struct), and
 * `undefined` members are left out (Go's `omitempty`).
 */
import { goString } from "../oci/go_json.ts";

/** A JSON value whose objects are written in insertion order. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

/** Encodes a value like Go's indenting encoder, trailing newline included. */
export function indentedJson(value: JsonValue): string {
  return write(value, "") + "\n";
}

/** {@link indentedJson} as UTF-8 bytes. */
export function indentedJsonBytes(value: JsonValue): Uint8Array {
  return new TextEncoder().encode(indentedJson(value));
}

function write(value: JsonValue, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "string") return jsonString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
    return JSON.stringify(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v) => inner + write(v, inner));
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const obj = value as { readonly [key: string]: JsonValue | undefined };
  const members: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    members.push(`${inner}${jsonString(k)}: ${write(v, inner)}`);
  }
  if (members.length === 0) return "{}";
  return `{\n${members.join(",\n")}\n${indent}}`;
}

/**
 * A string literal as Go 1.22+ escapes it: {@link goString}, except that backspace and form
 * feed get their short escapes `\b` and `\f` (older Go wrote `\u0008` and `\u000c`).
 */
function jsonString(s: string): string {
  if (!/[\b\f]/.test(s)) return goString(s);
  let out = "";
  for (const part of s.split(/([\b\f])/)) {
    if (part === "\b") out += "\\b";
    else if (part === "\f") out += "\\f";
    else out += goString(part).slice(1, -1);
  }
  return `"${out}"`;
}

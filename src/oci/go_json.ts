/**
 * JSON encoding that matches Go's `encoding/json` as go-containerregistry uses it: struct
 * fields in declaration order, unknown fields dropped, `omitempty` honoured, map keys sorted,
 * HTML-safe escaping (`<` → `\u003c`), compact output. Configs written this way are byte-for-
 * byte what ko writes for the same content.
 */

/** How one Go field is encoded. */
export type GoKind =
  | "string"
  | "int"
  | "bool"
  | "time"
  | "bytes"
  | "strings"
  | "stringMap"
  | "setMap"
  | "any"
  | { struct: GoStruct }
  | { ptr: GoStruct }
  | { array: GoKind };

/** A Go struct: its JSON field names, kinds and `omitempty` flags, in declaration order. */
export type GoStruct = ReadonlyArray<readonly [name: string, kind: GoKind, omitEmpty?: boolean]>;

/** Encodes a value as Go would encode the struct `schema`. */
export function goMarshal(value: unknown, schema: GoStruct): string {
  return encodeStruct(value as Record<string, unknown> | undefined, schema);
}

function encodeStruct(obj: Record<string, unknown> | undefined, schema: GoStruct): string {
  const parts: string[] = [];
  for (const [name, kind, omitEmpty] of schema) {
    const v = obj?.[name];
    if (omitEmpty && isEmpty(v, kind)) continue;
    parts.push(`${goString(name)}:${encode(v, kind)}`);
  }
  return `{${parts.join(",")}}`;
}

function isEmpty(v: unknown, kind: GoKind): boolean {
  if (v === undefined || v === null) return kind !== "time";
  if (typeof kind === "object" && "struct" in kind) return false; // Go never omits structs
  if (kind === "time") return false; // ggcr's Time is a struct: always written
  if (typeof v === "string") return v.length === 0;
  if (typeof v === "number") return v === 0;
  if (typeof v === "boolean") return !v;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (typeof v === "object") return Object.keys(v).length === 0;
  return false;
}

function encode(v: unknown, kind: GoKind): string {
  if (typeof kind === "object") {
    if ("struct" in kind) {
      return encodeStruct(v as Record<string, unknown> | undefined, kind.struct);
    }
    if ("ptr" in kind) {
      return v === undefined || v === null
        ? "null"
        : encodeStruct(v as Record<string, unknown>, kind.ptr);
    }
    if (v === undefined || v === null) return "null";
    return `[${(v as unknown[]).map((x) => encode(x, kind.array)).join(",")}]`;
  }
  switch (kind) {
    case "string":
      return goString(v === undefined || v === null ? "" : String(v));
    case "int":
      return String(typeof v === "number" ? Math.trunc(v) : Number(v ?? 0));
    case "bool":
      return v ? "true" : "false";
    case "time":
      return goString(goTime(v === undefined || v === null ? "" : String(v)));
    case "bytes":
      if (v === undefined || v === null) return "null";
      return goString(
        typeof v === "string" ? v : btoa(String.fromCharCode(...(v as Uint8Array))),
      );
    case "strings":
      if (v === undefined || v === null) return "null";
      return `[${(v as unknown[]).map((s) => goString(String(s))).join(",")}]`;
    case "stringMap":
      if (v === undefined || v === null) return "null";
      return sortedMap(v as Record<string, unknown>, (x) => goString(String(x)));
    case "setMap":
      if (v === undefined || v === null) return "null";
      return sortedMap(v as Record<string, unknown>, () => "{}");
    case "any":
      return goAny(v);
  }
}

function sortedMap(m: Record<string, unknown>, enc: (x: unknown) => string): string {
  const keys = Object.keys(m).sort(compareUtf8);
  return `{${keys.map((k) => `${goString(k)}:${enc(m[k])}`).join(",")}}`;
}

/** Go sorts map keys by their UTF-8 bytes; this matches that for any string. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  }
  return ea.length - eb.length;
}

/** Encodes any JSON value the way Go encodes `interface{}`: maps sorted, HTML-safe strings. */
function goAny(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (typeof v === "string") return goString(v);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goAny).join(",")}]`;
  return sortedMap(v as Record<string, unknown>, goAny);
}

/** A JSON string literal escaped exactly as Go's encoder (HTML-safe) escapes it. */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b"; // Go 1.22+ writes these two short forms
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += "\\u" + c.toString(16).padStart(4, "0");
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // Lone surrogates become U+FFFD in Go; valid pairs pass through.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += "\ufffd";
    } else out += s[i];
  }
  return out + '"';
}

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** The zero time as Go writes it. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * Normalises an RFC 3339 time string the way a Go round trip (parse, then format with
 * RFC3339Nano) does: trailing fractional zeros trimmed, a zero offset written `Z`, other
 * offsets kept. Empty or unparseable input becomes the zero time.
 */
export function goTime(s: string): string {
  const m = RFC3339_RE.exec(s);
  if (!m) return ZERO_TIME;
  const [, y, mo, d, h, mi, sec, frac, zone] = m as unknown as string[];
  let f = (frac ?? "").slice(0, 9).replace(/0+$/, "");
  if (f) f = "." + f;
  const z = zone === "Z" || zone === "z" || zone === "+00:00" || zone === "-00:00" ? "Z" : zone;
  return `${y}-${mo}-${d}T${h}:${mi}:${sec}${f}${z}`;
}

/**
 * Re-indents compact JSON as Go's `json.Indent` (and so `json.MarshalIndent`) does: each
 * member and element on its own line under `indent` per level, `": "` after keys, empty
 * objects and arrays kept as `{}` and `[]`, no trailing newline.
 */
export function goIndent(compact: string, indent: string): string {
  let out = "";
  let depth = 0;
  let opened = false; // just after `{` or `[`: the next token decides between `{}` and a newline
  const newline = () => "\n" + indent.repeat(depth);
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") continue;
    if (opened && c !== "}" && c !== "]") {
      out += newline();
      opened = false;
    }
    if (c === '"') {
      let j = i + 1;
      while (compact[j] !== '"') j += compact[j] === "\\" ? 2 : 1;
      out += compact.slice(i, j + 1);
      i = j;
    } else if (c === "{" || c === "[") {
      out += c;
      depth++;
      opened = true;
    } else if (c === "}" || c === "]") {
      depth--;
      if (opened) opened = false;
      else out += newline();
      out += c;
    } else if (c === ",") out += "," + newline();
    else if (c === ":") out += ": ";
    else out += c;
  }
  return out;
}

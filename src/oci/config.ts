/**
 * Image configuration (`application/vnd.oci.image.config.v1+json` and Docker's equivalent):
 * the type, parsing, and serialisation in ggcr's field order so our configs are byte-identical
 * to ko's for the same content.
 */
import { KoError } from "../util/errors.ts";
import { parseJsonObject } from "./manifest.ts";
import { type GoKind, goMarshal, type GoStruct } from "./go_json.ts";

/** One history entry. */
export interface History {
  author?: string;
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Docker healthcheck settings (durations in nanoseconds). */
interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The runtime part of an image config. */
interface ContainerConfig {
  AttachStderr?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  Domainname?: string;
  Entrypoint?: string[];
  Env?: string[];
  Hostname?: string;
  Image?: string;
  Labels?: Record<string, string>;
  OnBuild?: string[];
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Tty?: boolean;
  User?: string;
  Volumes?: Record<string, unknown>;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  ArgsEscaped?: boolean;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  StopSignal?: string;
  Shell?: string[];
}

/** An image config file. */
export interface ConfigFile {
  architecture: string;
  author?: string;
  container?: string;
  created?: string;
  docker_version?: string;
  history?: History[];
  os: string;
  rootfs: { type: string; diff_ids: string[] };
  config: ContainerConfig;
  "os.version"?: string;
  variant?: string;
  "os.features"?: string[];
}

const HISTORY_SCHEMA: GoStruct = [
  ["author", "string", true],
  ["created", "time", true],
  ["created_by", "string", true],
  ["comment", "string", true],
  ["empty_layer", "bool", true],
];

const HEALTH_SCHEMA: GoStruct = [
  ["Test", "strings", true],
  ["Interval", "int", true],
  ["Timeout", "int", true],
  ["StartPeriod", "int", true],
  ["Retries", "int", true],
];

const CONTAINER_CONFIG_SCHEMA: GoStruct = [
  ["AttachStderr", "bool", true],
  ["AttachStdin", "bool", true],
  ["AttachStdout", "bool", true],
  ["Cmd", "strings", true],
  ["Healthcheck", { ptr: HEALTH_SCHEMA }, true],
  ["Domainname", "string", true],
  ["Entrypoint", "strings", true],
  ["Env", "strings", true],
  ["Hostname", "string", true],
  ["Image", "string", true],
  ["Labels", "stringMap", true],
  ["OnBuild", "strings", true],
  ["OpenStdin", "bool", true],
  ["StdinOnce", "bool", true],
  ["Tty", "bool", true],
  ["User", "string", true],
  ["Volumes", "setMap", true],
  ["WorkingDir", "string", true],
  ["ExposedPorts", "setMap", true],
  ["ArgsEscaped", "bool", true],
  ["NetworkDisabled", "bool", true],
  ["MacAddress", "string", true],
  ["StopSignal", "string", true],
  ["Shell", "strings", true],
];

/** ggcr's `v1.ConfigFile` field order. */
const CONFIG_FILE_SCHEMA: GoStruct = [
  ["architecture", "string"],
  ["author", "string", true],
  ["container", "string", true],
  ["created", "time", true],
  ["docker_version", "string", true],
  ["history", { array: { struct: HISTORY_SCHEMA } }, true],
  ["os", "string"],
  ["rootfs", { struct: [["type", "string"], ["diff_ids", "strings"]] }],
  ["config", { struct: CONTAINER_CONFIG_SCHEMA }],
  ["os.version", "string", true],
  ["variant", "string", true],
  ["os.features", "strings", true],
];

/** Serialises a config exactly as ggcr (and so ko) would. */
export function serializeConfig(c: ConfigFile): Uint8Array {
  return new TextEncoder().encode(goMarshal(c, CONFIG_FILE_SCHEMA));
}

/**
 * Parses config bytes. Like Go's decoder, keys match their field case-insensitively, so a
 * config written with `"env"` still fills `Env` (when two keys hit one field, the later wins),
 * and a value of the wrong JSON type is an error naming the field.
 */
export function parseConfig(bytes: Uint8Array | string, what = "image config"): ConfigFile {
  const obj = parseJsonObject(bytes, what);
  const c = canonicalKeys(obj, CONFIG_FILE_SCHEMA, what) as unknown as ConfigFile;
  c.architecture ??= "";
  c.os ??= "";
  c.rootfs ??= { type: "layers", diff_ids: [] };
  c.rootfs.diff_ids ??= [];
  c.config ??= {};
  return c;
}

function canonicalKeys(
  obj: Record<string, unknown>,
  schema: GoStruct,
  where = "image config",
  prefix = "",
): Record<string, unknown> {
  const byLower = new Map(schema.map((f) => [f[0].toLowerCase(), f] as const));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const field = byLower.get(k.toLowerCase());
    if (!field) continue; // unknown fields are dropped, as ggcr does
    const [name, kind] = field;
    const path = prefix + name;
    checkKind(v, kind, where, path);
    if (typeof kind === "object" && v && typeof v === "object" && !Array.isArray(v)) {
      if ("struct" in kind) {
        out[name] = canonicalKeys(v as Record<string, unknown>, kind.struct, where, `${path}.`);
      } else if ("ptr" in kind) {
        out[name] = canonicalKeys(v as Record<string, unknown>, kind.ptr, where, `${path}.`);
      } else out[name] = v;
    } else if (typeof kind === "object" && "array" in kind && Array.isArray(v)) {
      const inner = kind.array;
      out[name] = typeof inner === "object" && "struct" in inner
        ? v.map((x, i) => {
          checkKind(x, inner, where, `${path}[${i}]`);
          return x === null
            ? x
            : canonicalKeys(x as Record<string, unknown>, inner.struct, where, `${path}[${i}].`);
        })
        : v;
    } else out[name] = v;
  }
  return out;
}

/** Go's decoder rejects a JSON value of the wrong type; so do we, with a clear message. */
function checkKind(v: unknown, kind: GoKind, where: string, path: string): void {
  if (v === null || v === undefined) return;
  const isObject = typeof v === "object" && !Array.isArray(v);
  let want: string | undefined;
  if (typeof kind === "object") {
    if ("array" in kind) want = Array.isArray(v) ? undefined : "a list";
    else want = isObject ? undefined : "an object";
  } else if (kind === "string" || kind === "time" || kind === "bytes") {
    want = typeof v === "string" ? undefined : "a string";
  } else if (kind === "int") {
    want = Number.isInteger(v) ? undefined : "an integer";
  } else if (kind === "bool") {
    want = typeof v === "boolean" ? undefined : "true or false";
  } else if (kind === "strings") {
    want = Array.isArray(v) && v.every((x) => typeof x === "string")
      ? undefined
      : "a list of strings";
  } else if (kind === "stringMap") {
    want = isObject && Object.values(v as object).every((x) => typeof x === "string")
      ? undefined
      : "an object of strings";
  } else if (kind === "setMap") {
    want = isObject ? undefined : "an object";
  }
  if (want) throw new KoError(`${where}: field "${path}" must be ${want}`);
}

/** A deep copy of a config, safe to mutate. */
export function cloneConfig(c: ConfigFile): ConfigFile {
  return structuredClone(c);
}

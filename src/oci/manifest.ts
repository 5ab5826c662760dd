/**
 * Image manifests and indexes (OCI and Docker schema 2): types, parsing with validation, and
 * Go-compatible serialisation. Serialise once, hash those bytes, push those bytes.
 */
import { errorMessage, KoError } from "../util/errors.ts";
import { type Digest, parseDigest } from "./digest.ts";
import { type Descriptor, DESCRIPTOR_SCHEMA } from "./descriptor.ts";
import { goIndent, goMarshal, type GoStruct } from "./go_json.ts";
import { isImageMediaType, isIndexMediaType, MediaType } from "./media_types.ts";

/** An image manifest. */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

/** An image index or Docker manifest list. */
export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

/** ggcr's `v1.Manifest` field order (plus OCI 1.1 `artifactType`). */
const MANIFEST_SCHEMA: GoStruct = [
  ["schemaVersion", "int"],
  ["mediaType", "string", true],
  ["config", { struct: DESCRIPTOR_SCHEMA }],
  ["layers", { array: { struct: DESCRIPTOR_SCHEMA } }],
  ["annotations", "stringMap", true],
  ["subject", { ptr: DESCRIPTOR_SCHEMA }, true],
  ["artifactType", "string", true],
];

/** ggcr's `v1.IndexManifest` field order (plus OCI 1.1 `artifactType`). */
const INDEX_SCHEMA: GoStruct = [
  ["schemaVersion", "int"],
  ["mediaType", "string", true],
  ["manifests", { array: { struct: DESCRIPTOR_SCHEMA } }],
  ["annotations", "stringMap", true],
  ["subject", { ptr: DESCRIPTOR_SCHEMA }, true],
  ["artifactType", "string", true],
];

/** Serialises a manifest exactly as ggcr would. */
export function serializeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(goMarshal(m, MANIFEST_SCHEMA));
}

/** Serialises an index exactly as ggcr would. */
export function serializeIndex(i: Index): Uint8Array {
  return new TextEncoder().encode(goMarshal(i, INDEX_SCHEMA));
}

/**
 * Serialises an index as go-containerregistry's OCI layout writer writes `index.json`:
 * `json.MarshalIndent` with a three-space indent, no trailing newline.
 */
export function serializeLayoutIndex(i: Index): Uint8Array {
  return new TextEncoder().encode(goIndent(goMarshal(i, INDEX_SCHEMA), "   "));
}

/** Parses JSON bytes into an object, with a clear error naming what was being read. */
export function parseJsonObject(bytes: Uint8Array | string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch (e) {
    // JSON.parse quotes the input, newlines included: keep the error on one line.
    throw new KoError(`${what} is not valid JSON: ${errorMessage(e).replace(/\s*\n\s*/g, " ")}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new KoError(`${what} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

/** Validates one descriptor (media type, digest, size), naming where it sits. */
export function parseDescriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== "object" || v === null) {
    throw new KoError(`${where}: descriptor is not an object`);
  }
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== "string") throw new KoError(`${where}: descriptor has no mediaType`);
  if (typeof d.digest !== "string") throw new KoError(`${where}: descriptor has no digest`);
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new KoError(`${where}: descriptor has an invalid size`);
  }
  let digest: Digest;
  try {
    digest = parseDigest(d.digest);
  } catch (e) {
    throw new KoError(`${where}: ${errorMessage(e)}`);
  }
  return { ...(d as unknown as Descriptor), digest };
}

/**
 * The media type of manifest bytes: the `mediaType` field, else the `Content-Type` the registry
 * sent, else a guess from the shape (`manifests` → OCI index, `config` → OCI manifest).
 */
export function detectMediaType(obj: Record<string, unknown>, contentType?: string): string {
  if (typeof obj.mediaType === "string" && obj.mediaType) return obj.mediaType;
  const ct = contentType?.split(";")[0]?.trim();
  if (ct && (isIndexMediaType(ct) || isImageMediaType(ct))) return ct;
  if (Array.isArray(obj.manifests)) return MediaType.OciIndex;
  if (obj.config !== undefined) return MediaType.OciManifest;
  if (obj.schemaVersion === 1) return MediaType.DockerSchema1;
  return ct ?? "";
}

/** Parses and validates an image manifest. */
export function parseManifest(bytes: Uint8Array | string, what = "manifest"): Manifest {
  const obj = parseJsonObject(bytes, what);
  if (obj.schemaVersion !== 2) {
    throw new KoError(
      `${what}: unsupported schemaVersion ${JSON.stringify(obj.schemaVersion) ?? "(missing)"}`,
    );
  }
  const config = parseDescriptor(obj.config, `${what} config`);
  if (!Array.isArray(obj.layers)) throw new KoError(`${what}: "layers" is not a list`);
  const layers = obj.layers.map((l, i) => parseDescriptor(l, `${what} layer ${i}`));
  const m = { ...(obj as unknown as Manifest), config, layers };
  if (obj.subject !== undefined) m.subject = parseDescriptor(obj.subject, `${what} subject`);
  return m;
}

/** Parses and validates an image index. */
export function parseIndex(bytes: Uint8Array | string, what = "index"): Index {
  const obj = parseJsonObject(bytes, what);
  if (obj.schemaVersion !== 2) {
    throw new KoError(
      `${what}: unsupported schemaVersion ${JSON.stringify(obj.schemaVersion) ?? "(missing)"}`,
    );
  }
  if (!Array.isArray(obj.manifests)) throw new KoError(`${what}: "manifests" is not a list`);
  const manifests = obj.manifests.map((d, i) => parseDescriptor(d, `${what} entry ${i}`));
  return { ...(obj as unknown as Index), manifests };
}

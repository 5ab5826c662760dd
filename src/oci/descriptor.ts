/** Content descriptors and platforms as they appear in manifests and indexes. */
import type { GoStruct } from "./go_json.ts";
import type { Digest } from "./digest.ts";

/** The platform of an index entry or image config. */
export interface Platform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  features?: string[];
}

/** A reference to content by media type, size and digest. */
export interface Descriptor {
  mediaType: string;
  size: number;
  digest: Digest;
  /** Base64 of embedded content. */
  data?: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

/** ggcr's `v1.Platform` field order. */
const PLATFORM_SCHEMA: GoStruct = [
  ["architecture", "string"],
  ["os", "string"],
  ["os.version", "string", true],
  ["os.features", "strings", true],
  ["variant", "string", true],
  ["features", "strings", true],
];

/** ggcr's `v1.Descriptor` field order. */
export const DESCRIPTOR_SCHEMA: GoStruct = [
  ["mediaType", "string"],
  ["size", "int"],
  ["digest", "string"],
  ["data", "bytes", true],
  ["urls", "strings", true],
  ["annotations", "stringMap", true],
  ["platform", { ptr: PLATFORM_SCHEMA }, true],
  ["artifactType", "string", true],
];

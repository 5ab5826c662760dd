/**
 * What a cache remembers about a binary layer (digest, diff_id, sizes, media type), stored as a
 * self-verifying JSON record: a `check` field holds the sha256 of every other field and of the
 * cache key the record is filed under. A record whose fields were changed (one hex digit of its
 * diff_id, its size), cut short, or copied under another key fails the check and is rebuilt, so
 * a damaged record is never believed: what it says ends up in configs and manifests unchecked
 * when the registry already has the layer. Used by KOCACHE (layer_cache.ts) and by the record
 * kept next to a binary without KOCACHE (layer_memo.ts).
 */
import { type Digest, parseDigest, sha256Digest } from "../oci/digest.ts";

/** What a record says about its layer. */
export interface LayerRecord {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly diffId: Digest;
  readonly size: number;
  readonly uncompressedSize: number;
}

/** Bumped when the checked fields change; records of another version fail the check. */
const RECORD_VERSION = 1;

/** The checksum over a record's fields and its key. */
function recordCheck(key: string, r: LayerRecord): Digest {
  return sha256Digest(JSON.stringify([
    RECORD_VERSION,
    key,
    r.mediaType,
    r.digest,
    r.diffId,
    r.size,
    r.uncompressedSize,
  ]));
}

/** The file contents of `record` filed under `key`. */
export function serializeLayerRecord(key: string, record: LayerRecord): string {
  const r: LayerRecord & { key: string; check: Digest } = {
    key,
    mediaType: record.mediaType,
    digest: record.digest,
    diffId: record.diffId,
    size: record.size,
    uncompressedSize: record.uncompressedSize,
    check: recordCheck(key, record),
  };
  return JSON.stringify(r, null, 2) + "\n";
}

/** Why a record cannot be believed. */
export class DamagedRecord extends Error {}

/**
 * The record in `text` if it is for `key`, undefined if it is a sound record for another key
 * (the binary has changed since); throws {@link DamagedRecord} when it is malformed or fails
 * its check.
 */
export function parseLayerRecord(text: string, key: string): LayerRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DamagedRecord(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null) throw new DamagedRecord("not an object");
  const r = v as Record<string, unknown>;
  const size = (k: string) => {
    const n = r[k];
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new DamagedRecord(`${k} is not a size`);
    }
    return n;
  };
  const digest = (k: string) => {
    try {
      return parseDigest(String(r[k]));
    } catch (e) {
      throw new DamagedRecord(`${k}: ${(e as Error).message}`);
    }
  };
  if (typeof r.key !== "string") throw new DamagedRecord("no key");
  if (typeof r.mediaType !== "string" || !r.mediaType) throw new DamagedRecord("no mediaType");
  const record: LayerRecord = {
    mediaType: r.mediaType,
    digest: digest("digest"),
    diffId: digest("diffId"),
    size: size("size"),
    uncompressedSize: size("uncompressedSize"),
  };
  if (r.check !== recordCheck(r.key, record)) {
    throw new DamagedRecord("its fields do not match its check");
  }
  return r.key === key ? record : undefined;
}

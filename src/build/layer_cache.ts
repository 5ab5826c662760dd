/**
 * The KOCACHE binary-layer cache: the compressed layer of a Go binary, stored once and reused
 * while the binary is unchanged, so a warm rebuild neither re-tars, re-compresses nor
 * re-uploads it.
 *
 * An entry is two files in a directory of its own per import path and platform:
 * `<key>.blob` (the compressed layer, written atomically by {@link buildLayer}) and
 * `<key>.json` (a self-verifying record of digest, diff_id, sizes and media type, see
 * layer_record.ts; written atomically after the blob). The key hashes the Go build ID with
 * everything else that shapes the layer bytes (tar entries, media type, compression settings,
 * the runtime's zlib), so an entry is never reused for a different layer. A hit checks the
 * record's checksum and the blob's size; the blob's sha256 is checked only when its bytes are
 * actually needed (a publisher opening the layer), and a corrupt blob is rebuilt from the binary
 * or refused, never served. Unreadable, damaged or inconsistent entries are logged at debug
 * level and replaced. Writers use unique temporary names and renames, so
 * concurrent ko processes sharing a KOCACHE never see partial files.
 */
import { join } from "../util/posix_path.ts";
import { type Digest, sha256Hex } from "../oci/digest.ts";
import { layerSha256 } from "../oci/layer_sha256.ts";
import type { LayerEntry } from "../layer/entry.ts";
import { BLOCK_SIZE, buildLayer, GZIP_LEVEL, ZSTD_LEVEL } from "../layer/compress.ts";
import type { Layer } from "../layer/layer.ts";
import { writeFileAtomic } from "../util/atomic_file.ts";
import { removeOrphanTemps } from "../util/owned_temp.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { readGoBuildId } from "../go/build_id.ts";
import {
  DamagedRecord,
  type LayerRecord,
  parseLayerRecord,
  serializeLayerRecord,
} from "./layer_record.ts";

/**
 * Bumped whenever our tar or compression output for the same inputs could change (2: tiny
 * layers stored).
 */
const LAYER_CACHE_FORMAT = 2;

/** Entries kept per directory besides those used in the last {@link RECENT_MS}. */
const KEEP_ENTRIES = 4;
const RECENT_MS = 60 * 60 * 1000;

/**
 * The build ID `go build` itself writes into an executable: the action and content IDs of the
 * main package and of the link, 20 base64url characters each. The last one hashes the binary's
 * bytes, so it names them; an ID set with `-ldflags=-buildid=…` (fixed, so the same for every
 * binary) does not.
 */
const GO_WRITTEN_BUILD_ID = /^[A-Za-z0-9_-]{20}(?:\/[A-Za-z0-9_-]{20}){3}$/;

/**
 * Where the binary's identity comes from: its Go build ID when `go build` wrote it, else (no
 * build ID, or one chosen with `-ldflags=-buildid=…`) the sha256 of its bytes.
 */
export async function binaryIdentity(binaryPath: string): Promise<string> {
  const id = await readGoBuildId(binaryPath);
  if (id && GO_WRITTEN_BUILD_ID.test(id)) return `go-build-id:${id}`;
  const hash = await layerSha256();
  const f = await Deno.open(binaryPath, { read: true });
  for await (const chunk of f.readable) hash.update(chunk);
  return `content:${hash.digest()}`;
}

/**
 * The cache key of a binary layer: a hex sha256 over the binary's identity and every input of
 * the layer bytes except the binary's path (entries with their names, modes and PAX records,
 * the media type, compression levels, block size, cache format and the Deno version, whose
 * zlib produces the bytes).
 */
export function layerCacheKey(
  identity: string,
  entries: readonly LayerEntry[],
  mediaType: string,
): string {
  const shape = entries.map((e) => ({
    type: e.type,
    name: e.name,
    mode: e.mode,
    mtime: e.mtime ?? 0,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    uname: e.uname ?? "",
    gname: e.gname ?? "",
    pax: Object.entries(e.paxRecords ?? {}).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([k, v]) => [k, typeof v === "string" ? `s:${v}` : `b:${hex(v)}`]),
    // A file given by bytes (not path) is identified by them.
    ...(e.type === "file" && e.bytes ? { bytes: sha256Hex(e.bytes) } : {}),
  }));
  return sha256Hex(JSON.stringify({
    format: LAYER_CACHE_FORMAT,
    deno: Deno.version.deno,
    gzip: GZIP_LEVEL,
    zstd: ZSTD_LEVEL,
    block: BLOCK_SIZE,
    mediaType,
    identity,
    shape,
  }));
}

/** A directory of cached binary layers (one per import path and platform). */
export class LayerCacheDir {
  constructor(readonly dir: string) {}

  /** The cached layer for `key`, or undefined (logged at debug level) when absent or bad. */
  async get(key: string, rebuild: Rebuild): Promise<Layer | undefined> {
    await removeOrphanTemps(this.dir);
    const record = await this.#readRecord(key);
    if (!record) return undefined;
    const blob = this.#blobPath(key);
    let size: number;
    try {
      size = (await Deno.stat(blob)).size;
    } catch (e) {
      debug(`kocache: layer ${key}: blob unreadable (${errorMessage(e)}); rebuilding`);
      return undefined;
    }
    if (size !== record.size) {
      debug(`kocache: layer ${key}: blob is ${size} bytes, expected ${record.size}; rebuilding`);
      return undefined;
    }
    // Marks the entry as recently used, so pruning keeps it (best effort).
    const now = new Date();
    await Deno.utime(this.#recordPath(key), now, now).catch(() => {});
    debug(`kocache: layer ${key}: hit ${record.digest}`);
    return this.#layer(key, record, rebuild);
  }

  /** Builds the layer into the cache and records it; returns it reading from the cache. */
  async put(key: string, entries: readonly LayerEntry[], mediaType: string): Promise<Layer> {
    await Deno.mkdir(this.dir, { recursive: true });
    const built = await buildLayer(entries, { mediaType, outPath: this.#blobPath(key) });
    const record: LayerRecord = {
      mediaType: built.mediaType,
      digest: built.digest,
      diffId: built.diffId,
      size: built.size,
      uncompressedSize: built.uncompressedSize,
    };
    await writeFileAtomic(this.#recordPath(key), serializeLayerRecord(key, record));
    debug(`kocache: layer ${key}: stored ${record.digest}`);
    await this.prune(key).catch((e) => debug(`kocache: pruning ${this.dir}: ${errorMessage(e)}`));
    const blob = this.#blobPath(key);
    return {
      ...record,
      open: async () => (await Deno.open(blob, { read: true })).readable,
    };
  }

  /**
   * Removes entries beyond the newest {@link KEEP_ENTRIES} that were not used in the last
   * hour, keeping `current`; the temporary files of writers that died (at once, see
   * util/owned_temp.ts); blobs whose record was never written, and stray files of older
   * versions, after an hour.
   */
  async prune(current: string): Promise<void> {
    await removeOrphanTemps(this.dir);
    const now = Date.now();
    const age = async (name: string) =>
      now - ((await Deno.stat(join(this.dir, name)).catch(() => undefined))?.mtime?.getTime() ??
        now);
    const names = new Set<string>();
    for await (const e of Deno.readDir(this.dir)) names.add(e.name);
    const records: Array<{ key: string; age: number }> = [];
    for (const name of names) {
      if (name.endsWith(".json") && !name.startsWith(".")) {
        records.push({ key: name.slice(0, -5), age: await age(name) });
      } else if (
        // Blobs whose record never got written, and temporary files of older versions.
        !name.startsWith(".") &&
        (name.includes(".tmp-") || name.includes(".repair-") ||
          (name.endsWith(".blob") && !names.has(`${name.slice(0, -5)}.json`))) &&
        await age(name) > RECENT_MS
      ) {
        await Deno.remove(join(this.dir, name)).catch(() => {});
      }
    }
    records.sort((a, b) => a.age - b.age);
    for (const [i, r] of records.entries()) {
      if (r.key === current || i < KEEP_ENTRIES || r.age < RECENT_MS) continue;
      await Deno.remove(this.#recordPath(r.key)).catch(() => {});
      await Deno.remove(this.#blobPath(r.key)).catch(() => {});
    }
  }

  #recordPath(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  #blobPath(key: string): string {
    return join(this.dir, `${key}.blob`);
  }

  async #readRecord(key: string): Promise<LayerRecord | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#recordPath(key));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        debug(`kocache: layer ${key}: record unreadable (${errorMessage(e)}); rebuilding`);
      }
      return undefined;
    }
    try {
      const record = parseLayerRecord(text, key);
      if (!record) throw new DamagedRecord("it is filed under another key");
      return record;
    } catch (e) {
      if (!(e instanceof DamagedRecord)) throw e;
      debug(`kocache: layer ${key}: damaged record (${e.message}); rebuilding`);
      return undefined;
    }
  }

  /**
   * A lazy layer over a cached blob: nothing is read until a publisher opens it; each open
   * first checks the blob's sha256 and, if it is corrupt, rebuilds it before streaming.
   */
  #layer(key: string, record: LayerRecord, rebuild: Rebuild): Layer {
    const blob = this.#blobPath(key);
    const open = async (): Promise<ReadableStream<Uint8Array>> => {
      let file: Deno.FsFile;
      try {
        file = await Deno.open(blob, { read: true });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        debug(`kocache: layer ${key}: blob removed meanwhile`);
        return await this.#repair(key, record, rebuild);
      }
      try {
        const hash = await layerSha256();
        let size = 0;
        const buf = new Uint8Array(1 << 20);
        for (let n = await file.read(buf); n !== null; n = await file.read(buf)) {
          hash.update(buf.subarray(0, n));
          size += n;
        }
        const digest = hash.digest();
        if (digest === record.digest && size === record.size) {
          await file.seek(0, Deno.SeekMode.Start);
          return file.readable;
        }
        file.close();
        debug(`kocache: layer ${key}: blob hashes to ${digest}, expected ${record.digest}`);
      } catch (e) {
        try {
          file.close();
        } catch { /* already closed */ }
        throw e;
      }
      return await this.#repair(key, record, rebuild);
    };
    return { ...record, open };
  }

  /** Rebuilds a corrupt blob from the binary, if that still gives the recorded digest. */
  async #repair(
    key: string,
    record: LayerRecord,
    rebuild: Rebuild,
  ): Promise<ReadableStream<Uint8Array>> {
    const blob = this.#blobPath(key);
    const fail = (why: string) =>
      new KoError(
        `KOCACHE layer ${record.digest} in ${this.dir} is corrupt and ${why}; ` +
          `build again to rebuild it`,
      );
    try {
      // The rebuilt bytes replace the blob only if they are the ones the record names.
      const built = await rebuild(blob, (b) => {
        if (b.digest !== record.digest || b.size !== record.size) {
          throw fail(`rebuilding it gave ${b.digest}`);
        }
      });
      if (built === undefined) throw fail("its binary has changed since");
    } catch (e) {
      await Deno.remove(this.#recordPath(key)).catch(() => {});
      if (e instanceof KoError) throw e;
      throw fail(`rebuilding it failed (${errorMessage(e)})`);
    }
    debug(`kocache: layer ${key}: repaired ${record.digest}`);
    return (await Deno.open(blob, { read: true })).readable;
  }
}

/**
 * Rebuilds a layer's blob into `outPath` (atomically, once `verify` accepts the bytes) when the
 * binary still has the identity the entry was made from; undefined when it has changed.
 */
type Rebuild = (
  outPath: string,
  verify: (built: { digest: Digest; size: number }) => void,
) => Promise<{ digest: Digest; size: number } | undefined>;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

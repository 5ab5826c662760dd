/**
 * Building a layer: entries → tar → gzip or zstd, with the sha256 of the tar (diff_id), the
 * sha256 and size of the compressed blob, all in one pass and never holding more than the
 * compressed bytes (plus a few blocks in flight).
 *
 * gzip runs block-parallel over the worker pool (see gzip_blocks.ts): the main thread reads
 * the files into 1 MiB tar blocks, hashes them, and hands them to workers which deflate them
 * concurrently; the main thread then hashes and stores the results in order. A layer up to
 * {@link INLINE_MAX} is deflated block by block on the calling thread instead: starting a
 * worker blocks this thread for longer than compressing a few MiB takes
 * (scripts/bench_layer_inline.ts measures both). The bytes are the same either way. A tiny
 * gzip layer (up to {@link STORED_MAX}, like the kodata layer of most builds) is stored without
 * compression instead (stored_gzip.ts), so it never loads zlib. zstd runs as one stream inside
 * a worker. The levels are the smallest output at a speed that keeps up with an upload
 * (scripts/bench_layer.ts --levels compares them): gzip level 2 is about the size of Go's
 * BestSpeed, which ko uses.
 */
import { type Digest, parseDigest, Sha256, sha256Digest } from "../oci/digest.ts";
import { HeldSha256, layerSha256 } from "../oci/layer_sha256.ts";
import { isZstdLayer, MediaType } from "../oci/media_types.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { OwnedTemp } from "../util/owned_temp.ts";
import type { LayerEntry } from "./entry.ts";
import { type Layer, streamOf } from "./layer.ts";
import { storedGzip } from "./stored_gzip.ts";
import { tarBlocks } from "./tar_blocks.ts";
import { layerPool, type WorkerPool } from "./worker_pool.ts";

export type { LayerEntry } from "./entry.ts";

/** Layer compression. */
export type Compression = "gzip" | "zstd";

/** gzip level used for layers (about the size of Go's BestSpeed; see the module comment). */
export const GZIP_LEVEL = 2;
/** zstd level used for layers (see the module comment). */
export const ZSTD_LEVEL = 2;
/** Size of the tar blocks compressed independently (gzip) or streamed (zstd). */
export const BLOCK_SIZE = 1 << 20;
/**
 * A gzip layer whose tar is estimated at up to this many bytes is compressed on the calling
 * thread, without waking the worker pool. scripts/bench_layer_inline.ts finds where inline
 * compression stops being quicker than starting workers; the limit sits well below that
 * because workers leave the main thread free (other platforms' layers, uploads) and compress
 * several layers at once.
 */
export const INLINE_MAX = 4 << 20;
/**
 * A gzip layer whose tar is estimated at up to this many bytes is stored uncompressed in the
 * gzip framing: compressing it would save a few kilobytes at most, while loading `node:zlib`
 * (and `node:crypto`) holds this thread up on a build that compresses nothing else.
 */
export const STORED_MAX = 16 * 1024;

/** Options of {@link buildLayer}. */
export interface BuildLayerOptions {
  /** Default gzip; also implied by a zstd `mediaType`. */
  compression?: Compression;
  /** Default: the OCI layer type of the compression. */
  mediaType?: string;
  /** Write the compressed blob to this file (atomically) instead of keeping it in memory. */
  outPath?: string;
  /**
   * Checks the digest and size of the finished bytes before they replace `outPath`; throwing
   * leaves `outPath` as it was (a repair that must give the bytes a record names).
   */
  verify?: (built: { digest: Digest; size: number }) => void;
  /** Override the compression level (tests, benchmarks). */
  level?: number;
  /** The worker pool to use; default the shared {@link layerPool}. */
  pool?: WorkerPool;
  /**
   * gzip on the calling thread (true) or in the workers (false); default by size (see
   * {@link INLINE_MAX}). Tests and benchmarks set it.
   */
  inline?: boolean;
}

/** A built layer: its digests and where its compressed bytes are. */
export interface BuiltLayer {
  readonly mediaType: string;
  /** sha256 of the compressed blob. */
  readonly digest: Digest;
  /** sha256 of the uncompressed tar. */
  readonly diffId: Digest;
  /** Compressed size. */
  readonly size: number;
  /** Size of the tar. */
  readonly uncompressedSize: number;
  /** The compressed bytes in order, when kept in memory. */
  readonly chunks?: readonly Uint8Array[];
  /** The file holding the compressed bytes, when `outPath` was given. */
  readonly path?: string;
  /** Streams the compressed bytes; may be called any number of times. */
  open(): Promise<ReadableStream<Uint8Array>>;
}

/**
 * Builds a layer from entries (in tar order).
 *
 * @example
 * ```ts
 * const built = await buildLayer([
 *   { type: "dir", name: "ko-app", mode: 0o555 },
 *   { type: "file", name: "/ko-app/app", mode: 0o555, path: binaryPath },
 * ], { mediaType: MediaType.OciLayerGzip });
 * console.log(built.digest, built.diffId, built.size);
 * ```
 */
export async function buildLayer(
  entries: readonly LayerEntry[],
  options: BuildLayerOptions = {},
): Promise<BuiltLayer> {
  const compression = options.compression ??
    (options.mediaType !== undefined && isZstdLayer(options.mediaType) ? "zstd" : "gzip");
  const mediaType = options.mediaType ??
    (compression === "zstd" ? MediaType.OciLayerZstd : MediaType.OciLayerGzip);
  const estimate = compression === "gzip" ? await estimateTarSize(entries) : Infinity;
  const stored = estimate <= STORED_MAX;
  // While this thread compresses a layer, the next ones go to the workers (a batch of builds
  // ends with many layers at once).
  const inline = options.inline ?? (estimate <= INLINE_MAX && inlineLayers === 0);
  const pool = inline ? undefined : options.pool ?? layerPool();
  // A stored layer is tiny: hashing it in JavaScript spares loading `node:crypto`.
  // Inline layers are small and held in memory: WebCrypto hashes them without node:crypto.
  const out = await Output.create(
    stored ? new Sha256() : inline ? new HeldSha256() : await layerSha256(),
    options.outPath,
    options.verify,
  );
  const onThisThread = inline && !stored && compression === "gzip";
  if (onThisThread) inlineLayers++;
  try {
    const { diffId, uncompressedSize } = compression === "zstd"
      ? await zstdLayer(entries, options.level ?? ZSTD_LEVEL, pool!, out)
      : stored
      ? await storedLayer(entries, out)
      : await gzipLayer(entries, options.level ?? GZIP_LEVEL, pool, out);
    return await out.finish(mediaType, diffId, uncompressedSize);
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    if (onThisThread) inlineLayers--;
  }
}

/** gzip layers being compressed on this thread right now. */
let inlineLayers = 0;

/**
 * About how large the tar of `entries` is: contents (file sizes from `stat`), a header each and
 * padding. Only chooses where to compress; a file that cannot be examined counts as nothing
 * (building the layer reports it).
 */
export async function estimateTarSize(entries: readonly LayerEntry[]): Promise<number> {
  const sizes = await Promise.all(entries.map(async (e) => {
    if (e.type === "dir") return 0;
    if (e.bytes !== undefined) return e.bytes.length;
    return (await Deno.stat(e.path).catch(() => undefined))?.size ?? 0;
  }));
  return sizes.reduce((sum, n) => sum + n + 1024, 1024);
}

/**
 * Gets ready to build the layer of the file at `path` — a kept `go build` output, before the
 * build rewrites it, whose size predicts the new one's — while `go build` runs, so that none
 * of it waits afterwards: loads zlib and `node:crypto`, and starts the workers too when the
 * layer will be too large to compress inline or the file is missing.
 * Never rejects.
 */
export async function prepareLayerFor(path: string, pool: WorkerPool = layerPool()): Promise<void> {
  const size = (await Deno.stat(path).catch(() => undefined))?.size;
  const large = size === undefined || size + 4096 > INLINE_MAX;
  if (large) pool.warm();
  await Promise.all([gzipBlocks(), large ? layerSha256() : undefined]).catch(() => {});
}

/** A tiny layer: its tar in memory, stored in gzip framing without compression. */
async function storedLayer(
  entries: readonly LayerEntry[],
  out: Output,
): Promise<{ diffId: Digest; uncompressedSize: number }> {
  const blocks: Uint8Array[] = [];
  let size = 0;
  for await (const block of tarBlocks(entries, BLOCK_SIZE)) {
    blocks.push(block);
    size += block.length;
  }
  const tar = blocks.length === 1 ? blocks[0]! : new Uint8Array(size);
  if (blocks.length > 1) {
    let at = 0;
    for (const b of blocks) {
      tar.set(b, at);
      at += b.length;
    }
  }
  await out.write(storedGzip(tar));
  return { diffId: sha256Digest(tar), uncompressedSize: size };
}

/** The gzip pieces (node:zlib), loaded with the first gzip layer: a warm build may make none. */
function gzipBlocks(): Promise<typeof import("./gzip_blocks.ts")> {
  return import("./gzip_blocks.ts");
}

/** gzip: block-parallel in the pool, or on this thread when `pool` is undefined. */
async function gzipLayer(
  entries: readonly LayerEntry[],
  level: number,
  pool: WorkerPool | undefined,
  out: Output,
): Promise<{ diffId: Digest; uncompressedSize: number }> {
  const { crc32, deflateBlock, DICTIONARY_SIZE, gzipHeader, gzipTrailer } = await gzipBlocks();
  // Inline, the tar blocks are kept (not reused) for WebCrypto to hash at the end.
  const tarHash = pool ? await layerSha256() : new HeldSha256();
  let crc = 0;
  let size = 0;
  let dictionary: Uint8Array<ArrayBuffer> | undefined;
  const inFlight: Promise<Uint8Array>[] = [];
  const maxInFlight = pool ? 3 * pool.size : 1;
  // Blocks come back from the workers and are reused, so the input side allocates only
  // maxInFlight + 1 blocks however large the layer.
  const spare: Uint8Array<ArrayBuffer>[] = [];
  const allocate = () => spare.pop() ?? new Uint8Array(BLOCK_SIZE);

  const dispatch = async (block: Uint8Array<ArrayBuffer>, last: boolean) => {
    tarHash.update(block);
    crc = crc32(block, crc);
    size += block.length;
    const dict = dictionary;
    dictionary = block.slice(Math.max(0, block.length - DICTIONARY_SIZE));
    if (pool === undefined) {
      inFlight.push(Promise.resolve(deflateBlock(block, dict, level, last)));
    } else {
      const transfer: Transferable[] = [block.buffer];
      if (dict) transfer.push(dict.buffer);
      const job = pool.run({ op: "deflate", data: block, dictionary: dict, level, last }, transfer)
        .then((r) => {
          if (r.kind !== "deflated") throw new Error(`unexpected layer worker reply ${r.kind}`);
          if (r.input.buffer.byteLength === BLOCK_SIZE) {
            spare.push(new Uint8Array(r.input.buffer));
          }
          return r.data;
        });
      job.catch(() => {}); // handled when its turn comes; avoids an early unhandled rejection
      inFlight.push(job);
    }
    while (inFlight.length >= maxInFlight) await out.write(await inFlight.shift()!);
  };

  await out.write(gzipHeader(level));
  try {
    let pending: Uint8Array<ArrayBuffer> | undefined;
    for await (const block of tarBlocks(entries, BLOCK_SIZE, allocate)) {
      if (pending) await dispatch(pending, false);
      pending = block;
    }
    await dispatch(pending!, true);
    while (inFlight.length > 0) await out.write(await inFlight.shift()!);
  } catch (err) {
    await Promise.allSettled(inFlight);
    throw err;
  }
  await out.write(gzipTrailer(crc, size));
  return { diffId: await tarHash.digest(), uncompressedSize: size };
}

async function zstdLayer(
  entries: readonly LayerEntry[],
  level: number,
  pool: WorkerPool,
  out: Output,
): Promise<{ diffId: Digest; uncompressedSize: number }> {
  // Chunks arrive in order; writes are chained so a file sink keeps that order.
  let writes = Promise.resolve();
  let writeError: unknown;
  const reply = await pool.run(
    { op: "zstd-layer", entries: [...entries], level, blockSize: BLOCK_SIZE },
    [],
    (r) => {
      if (r.kind !== "chunks") return;
      writes = writes.then(async () => {
        for (const chunk of r.chunks) await out.write(chunk);
      }).catch((err) => {
        writeError ??= err;
      });
    },
  );
  await writes;
  if (writeError !== undefined) throw writeError;
  if (reply.kind !== "zstd-done") throw new Error(`unexpected layer worker reply ${reply.kind}`);
  return { diffId: parseDigest(reply.diffId), uncompressedSize: reply.uncompressedSize };
}

/** Where compressed bytes go: memory chunks or a temporary file renamed on success. */
/** A hasher whose digest may take a moment ({@link HeldSha256}). */
interface LayerHasher {
  update(bytes: Uint8Array): unknown;
  digest(): Digest | Promise<Digest>;
}

class Output {
  #hash: LayerHasher;
  #size = 0;
  #chunks: Uint8Array[] = [];
  #file?: OwnedTemp;
  #verify?: BuildLayerOptions["verify"];

  private constructor(hash: LayerHasher) {
    this.#hash = hash;
  }

  /**
   * An output whose bytes `hash` digests, kept in memory or written to `path` through a locked
   * temporary file (util/owned_temp.ts: the leftovers of a killed run are recognised as such).
   */
  static async create(
    hash: LayerHasher,
    path?: string,
    verify?: BuildLayerOptions["verify"],
  ): Promise<Output> {
    const o = new Output(hash);
    o.#verify = verify;
    if (path !== undefined) {
      try {
        o.#file = await OwnedTemp.create(path);
      } catch (err) {
        throw new KoError(`writing layer to ${path}: ${errorMessage(err)}`, { cause: err });
      }
    }
    return o;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    if (this.#file === undefined) {
      this.#chunks.push(chunk);
      return;
    }
    await this.#file.write(chunk);
  }

  async finish(mediaType: string, diffId: Digest, uncompressedSize: number): Promise<BuiltLayer> {
    const base = {
      mediaType,
      digest: await this.#hash.digest(),
      diffId,
      size: this.#size,
      uncompressedSize,
    };
    this.#verify?.(base);
    if (this.#file === undefined) {
      const chunks = this.#chunks;
      return { ...base, chunks, open: () => Promise.resolve(streamOf(chunks)) };
    }
    const path = this.#file.target;
    try {
      await this.#file.commit();
      this.#file = undefined;
    } catch (err) {
      throw new KoError(`writing layer to ${path}: ${errorMessage(err)}`, { cause: err });
    }
    return {
      ...base,
      path,
      open: async () => (await Deno.open(path, { read: true })).readable,
    };
  }

  async abort(): Promise<void> {
    await this.#file?.discard();
    this.#file = undefined;
    this.#chunks = [];
  }
}

/** The Layer view of a {@link BuiltLayer} (in memory or in a file). */
export function layerFromBuilt(built: BuiltLayer): Layer {
  return {
    mediaType: built.mediaType,
    digest: built.digest,
    size: built.size,
    diffId: built.diffId,
    open: () => built.open(),
  };
}

/**
 * The Web Worker that does a layer's CPU work off the main thread: deflating gzip blocks
 * (see gzip_blocks.ts) and whole zstd layers (tar, sha256 of the tar, zstd stream). Started
 * by worker_pool.ts; bytes travel as transferred ArrayBuffers.
 */
import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";
import { layerSha256 } from "../oci/layer_sha256.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { LayerEntry } from "./entry.ts";
import { deflateBlock } from "./gzip_blocks.ts";
import { tarBlocks } from "./tar_blocks.ts";

/** A job for the worker. */
export type LayerWorkerRequest =
  | {
    op: "deflate";
    data: Uint8Array<ArrayBuffer>;
    dictionary?: Uint8Array;
    level: number;
    last: boolean;
  }
  | { op: "zstd-layer"; entries: LayerEntry[]; level: number; blockSize: number };

/** What a job answers: one final reply, preceded by chunks for zstd layers. */
export type LayerWorkerReply =
  | { kind: "deflated"; data: Uint8Array; input: Uint8Array<ArrayBuffer> }
  | { kind: "chunks"; chunks: Uint8Array[] }
  | { kind: "zstd-done"; diffId: string; uncompressedSize: number };

/** The envelope of every message from the worker. */
export type LayerWorkerMessage =
  | { id: number; final: boolean; reply: LayerWorkerReply }
  | { id: number; final: true; error: string; koError: boolean };

/** The envelope of every message to the worker. */
export interface LayerWorkerJob {
  id: number;
  request: LayerWorkerRequest;
}

const OUTPUT_CHUNK = 1 << 20;
const scope = self as unknown as {
  postMessage(message: LayerWorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<LayerWorkerJob>) => void) | null;
};

scope.onmessage = (e: MessageEvent<LayerWorkerJob>) => {
  const { id, request } = e.data;
  handle(id, request).catch((err) => {
    scope.postMessage({
      id,
      final: true,
      error: errorMessage(err),
      koError: err instanceof KoError,
    });
  });
};

async function handle(id: number, req: LayerWorkerRequest): Promise<void> {
  if (req.op === "deflate") {
    const data = deflateBlock(req.data, req.dictionary, req.level, req.last);
    // The input goes back too, for the caller to reuse as its next block.
    const input = req.data;
    scope.postMessage({ id, final: true, reply: { kind: "deflated", data, input } }, [
      data.buffer,
      input.buffer,
    ]);
    return;
  }
  await zstdLayer(id, req.entries, req.level, req.blockSize);
}

/**
 * Tars, hashes and zstd-compresses a whole layer, posting compressed chunks as zlib fills its
 * output buffers. Those buffers are transferred, not copied: zlib never writes to an output
 * buffer again once it has started the next one, so a buffer is posted (with the views of it
 * that were emitted) when the first view of a new buffer arrives. Tar blocks are recycled
 * once zlib has consumed them.
 */
async function zstdLayer(
  id: number,
  entries: LayerEntry[],
  level: number,
  blockSize: number,
): Promise<void> {
  const z = zlib.createZstdCompress({
    params: { [zlib.constants.ZSTD_c_compressionLevel]: level },
    chunkSize: OUTPUT_CHUNK,
  });
  let current: ArrayBufferLike | undefined;
  let views: Uint8Array[] = [];
  const post = () => {
    if (current === undefined) return;
    const owned = current instanceof ArrayBuffer && !views.some((v) => v.buffer !== current);
    const chunks = owned ? views : views.map((v) => v.slice());
    scope.postMessage(
      { id, final: false, reply: { kind: "chunks", chunks } },
      owned ? [current as ArrayBuffer] : [],
    );
    current = undefined;
    views = [];
  };
  let failure: Error | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    z.on("data", (b: Uint8Array) => {
      if (b.buffer !== current) post();
      current = b.buffer;
      views.push(b);
    });
    z.on("end", () => resolve());
    z.on("error", (err: Error) => {
      failure = err;
      reject(err);
    });
  });
  ended.catch(() => {});
  const spare: Uint8Array<ArrayBuffer>[] = [];
  const allocate = () => spare.pop() ?? new Uint8Array(blockSize);
  const hash = await layerSha256();
  let size = 0;
  for await (const block of tarBlocks(entries, blockSize, allocate)) {
    if (failure) throw failure;
    hash.update(block);
    size += block.length;
    const written = z.write(Buffer.from(block.buffer, 0, block.byteLength), () => {
      if (block.buffer.byteLength === blockSize) spare.push(new Uint8Array(block.buffer));
    });
    if (!written) {
      await Promise.race([new Promise<void>((resolve) => z.once("drain", () => resolve())), ended]);
    }
  }
  z.end();
  await ended;
  post();
  scope.postMessage({
    id,
    final: true,
    reply: { kind: "zstd-done", diffId: hash.digest(), uncompressedSize: size },
  });
}

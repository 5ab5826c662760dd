/**
 * The Web Worker that does a layer's CPU work off the main thread: deflating gzip blocks
 * (see gzip_blocks.ts) and whole zstd layers (tar, sha256 of the tar, zstd stream). Started
 * by worker_pool.ts; bytes travel as transferred ArrayBuffers.
 */
import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";
import { Sha256 } from "../oci/digest.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { LayerEntry } from "./entry.ts";
import { deflateBlock } from "./gzip_blocks.ts";
import { tarBlocks } from "./tar_blocks.ts";

/** A job for the worker. */
export type LayerWorkerRequest =
  | {
    op: "deflate";
    data: Uint8Array;
    dictionary?: Uint8Array;
    level: number;
    last: boolean;
  }
  | { op: "zstd-layer"; entries: LayerEntry[]; level: number; blockSize: number };

/** What a job answers: one final reply, preceded by chunks for zstd layers. */
export type LayerWorkerReply =
  | { kind: "deflated"; data: Uint8Array }
  | { kind: "chunk"; data: Uint8Array }
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
    scope.postMessage({ id, final: true, reply: { kind: "deflated", data } }, [data.buffer]);
    return;
  }
  await zstdLayer(id, req.entries, req.level, req.blockSize);
}

/** Tars, hashes and zstd-compresses a whole layer, posting compressed chunks as they fill. */
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
  let acc = new Uint8Array(OUTPUT_CHUNK);
  let pos = 0;
  const post = () => {
    const data = acc.subarray(0, pos);
    scope.postMessage({ id, final: false, reply: { kind: "chunk", data } }, [acc.buffer]);
    acc = new Uint8Array(OUTPUT_CHUNK);
    pos = 0;
  };
  let failure: Error | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    z.on("data", (b: Uint8Array) => {
      let off = 0;
      while (off < b.length) {
        const n = Math.min(b.length - off, OUTPUT_CHUNK - pos);
        acc.set(b.subarray(off, off + n), pos);
        pos += n;
        off += n;
        if (pos === OUTPUT_CHUNK) post();
      }
    });
    z.on("end", () => resolve());
    z.on("error", (err: Error) => {
      failure = err;
      reject(err);
    });
  });
  ended.catch(() => {});
  const hash = new Sha256();
  let size = 0;
  for await (const block of tarBlocks(entries, blockSize)) {
    if (failure) throw failure;
    hash.update(block);
    size += block.length;
    if (!z.write(Buffer.from(block.buffer, block.byteOffset, block.byteLength))) {
      await Promise.race([new Promise<void>((resolve) => z.once("drain", () => resolve())), ended]);
    }
  }
  z.end();
  await ended;
  if (pos > 0) post();
  scope.postMessage({
    id,
    final: true,
    reply: { kind: "zstd-done", diffId: hash.digest(), uncompressedSize: size },
  });
}

/**
 * gzip made of independently compressed blocks (the pigz scheme): each block of the tar is
 * raw-deflated on its own, primed with the previous block's last 32 KiB as dictionary and
 * ended with a sync flush (the last one with a final block), so the pieces concatenate into
 * one valid deflate stream. Blocks can therefore be compressed on different workers at once;
 * the output depends only on the bytes, the block size and the level, never on scheduling.
 */
import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";

/** The deflate window: how much of the previous block primes the next one. */
export const DICTIONARY_SIZE = 32 * 1024;

/**
 * Raw-deflates one block. `dictionary` is the end of the previous block (absent for the
 * first); `last` ends the deflate stream, otherwise the output ends on a byte boundary with
 * a sync flush. The result owns exactly its ArrayBuffer, so it can be transferred.
 */
export function deflateBlock(
  data: Uint8Array,
  dictionary: Uint8Array | undefined,
  level: number,
  last: boolean,
): Uint8Array<ArrayBuffer> {
  const out: Uint8Array = zlib.deflateRawSync(asBuffer(data), {
    level,
    ...(dictionary === undefined ? {} : { dictionary: asBuffer(dictionary) }),
    finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    // One output buffer larger than deflate's worst case: zlib then neither grows a list of
    // 16 KiB pieces nor concatenates them (that garbage held tens of MB until a GC).
    chunkSize: Math.max(64 * 1024, data.length + (data.length >> 4) + 1024),
  });
  if (out.byteOffset === 0 && out.buffer instanceof ArrayBuffer) {
    // Shrinks to the exact size and releases the large buffer at once.
    return new Uint8Array(out.buffer.transfer(out.byteLength));
  }
  return out.slice();
}

/**
 * A deterministic gzip member header: no name, no mtime, XFL as Go and zlib set it for the
 * level, OS 255 ("unknown", as Go writes) so the bytes do not depend on the host.
 */
export function gzipHeader(level: number): Uint8Array {
  const xfl = level === 1 ? 4 : level === 9 ? 2 : 0;
  return new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
}

/** The gzip trailer: CRC-32 and length (mod 2^32) of the uncompressed data, little endian. */
export function gzipTrailer(crc: number, length: number): Uint8Array {
  const t = new Uint8Array(8);
  const v = new DataView(t.buffer);
  v.setUint32(0, crc >>> 0, true);
  v.setUint32(4, length % 2 ** 32, true);
  return t;
}

/** Updates a running CRC-32 (start with 0). */
export function crc32(data: Uint8Array, crc: number): number {
  return zlib.crc32(asBuffer(data), crc);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

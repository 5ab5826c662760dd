/**
 * gzip without compression: the data in deflate "stored" blocks inside the usual gzip framing,
 * written in TypeScript. Any gzip reader takes it. ko uses it for tiny layers (the kodata
 * layer every build has), where compressing would save a few kilobytes but loading
 * `node:zlib` costs start-up time.
 */

/** The most bytes one stored block holds. */
const MAX_STORED_BLOCK = 0xffff;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * The CRC-32 (IEEE, as gzip uses) of `data`, in plain TypeScript: the tiny layers stored here
 * need no `node:zlib` (gzip_blocks.ts uses its native one for large layers).
 */
function crc32(data: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * The gzip member of `data` with every byte stored: a deterministic header (no name, no
 * mtime, OS 255 as Go writes it), stored deflate blocks, and the CRC-32/length trailer.
 *
 * @example
 * ```ts
 * const gz = storedGzip(new TextEncoder().encode("hello"));
 * // zlib.gunzipSync(gz) → "hello"
 * ```
 */
export function storedGzip(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED_BLOCK));
  const out = new Uint8Array(10 + blocks * 5 + data.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  const view = new DataView(out.buffer);
  let at = 10;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_STORED_BLOCK;
    const chunk = data.subarray(start, Math.min(data.length, start + MAX_STORED_BLOCK));
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL on the last block; BTYPE 00 (stored)
    view.setUint16(at + 1, chunk.length, true);
    view.setUint16(at + 3, ~chunk.length & 0xffff, true);
    out.set(chunk, at + 5);
    at += 5 + chunk.length;
  }
  view.setUint32(at, crc32(data), true);
  view.setUint32(at + 4, data.length % 2 ** 32, true);
  return out;
}

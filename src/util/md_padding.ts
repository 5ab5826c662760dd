/**
 * The message padding of MD5, SHA-1 and SHA-512 (Merkle–Damgård): the message, a 0x80 byte,
 * zeros, then the bit length in the last bytes of a whole number of blocks. Shared by the
 * one-shot hashes in this folder (sha256.ts pads incrementally).
 */
import { utf8 } from "./sha256.ts";

/**
 * Pads `input` (a string as UTF-8) to a multiple of `blockSize` bytes with its bit length in
 * the last `lengthSize` bytes (big endian, or little endian for MD5), and returns a view over
 * the padded bytes and their length.
 */
export function padMessage(
  input: Uint8Array | string,
  blockSize: 64 | 128,
  lengthSize: 8 | 16,
  littleEndian = false,
): { view: DataView; total: number } {
  const data = utf8(input);
  const n = data.length;
  const total = Math.ceil((n + 1 + lengthSize) / blockSize) * blockSize;
  const msg = new Uint8Array(total);
  msg.set(data);
  msg[n] = 0x80;
  const view = new DataView(msg.buffer);
  const bits = n * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  if (littleEndian) {
    view.setUint32(total - lengthSize, low, true);
    view.setUint32(total - lengthSize + 4, high, true);
  } else {
    view.setUint32(total - 8, high);
    view.setUint32(total - 4, low);
  }
  return { view, total };
}

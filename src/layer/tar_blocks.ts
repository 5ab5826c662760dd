/**
 * A layer's tar as fixed-size blocks: file contents are read from disk straight into the block
 * being filled (no intermediate copy, never the whole file at once), so each block can be
 * hashed and handed to a worker as a transferable buffer. Block boundaries depend only on the
 * tar bytes, which keeps block-wise compression deterministic.
 */
import { errorMessage, KoError } from "../util/errors.ts";
import { entryHeader, type LayerEntry } from "./entry.ts";
import { encodeTarHeader, TAR_TRAILER, tarPadding } from "./tar.ts";

/**
 * Yields the tar of `entries` in blocks of exactly `blockSize` bytes, the last one shorter
 * (never empty). Blocks come from `allocate` (default: a new array each time), which may
 * recycle buffers the caller is done with; every yielded array is a view from offset 0 of
 * one of them, and the caller may transfer or keep it.
 *
 * @example
 * ```ts
 * for await (const block of tarBlocks(entries, 1 << 20)) hash.update(block);
 * ```
 */
export async function* tarBlocks(
  entries: readonly LayerEntry[],
  blockSize: number,
  allocate: () => Uint8Array<ArrayBuffer> = () => new Uint8Array(blockSize),
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  let block = allocate();
  let pos = 0;
  const full = () => {
    const done = block;
    block = allocate();
    pos = 0;
    return done;
  };
  // Copies small byte runs (headers, padding, in-memory contents) into blocks.
  function* put(bytes: Uint8Array): Generator<Uint8Array<ArrayBuffer>> {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, blockSize - pos);
      block.set(bytes.subarray(off, off + n), pos);
      pos += n;
      off += n;
      if (pos === blockSize) yield full();
    }
  }
  function* zeros(n: number): Generator<Uint8Array<ArrayBuffer>> {
    while (n > 0) {
      const k = Math.min(n, blockSize - pos);
      block.fill(0, pos, pos + k);
      pos += k;
      n -= k;
      if (pos === blockSize) yield full();
    }
  }

  for (const e of entries) {
    if (e.type === "dir") {
      yield* put(encodeTarHeader(entryHeader(e, 0)));
      continue;
    }
    if (e.bytes !== undefined) {
      yield* put(encodeTarHeader(entryHeader(e, e.bytes.length)));
      yield* put(e.bytes);
      yield* zeros(tarPadding(e.bytes.length));
      continue;
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(e.path, { read: true });
    } catch (err) {
      throw new KoError(`reading "${e.path}" for layer entry "${e.name}": ${errorMessage(err)}`, {
        cause: err,
      });
    }
    try {
      const info = await file.stat();
      if (!info.isFile) {
        throw new KoError(`layer entry "${e.name}": "${e.path}" is not a regular file`);
      }
      const size = info.size;
      yield* put(encodeTarHeader(entryHeader(e, size)));
      let left = size;
      while (left > 0) {
        const n = await file.read(block.subarray(pos, pos + Math.min(left, blockSize - pos)));
        if (n === null) {
          throw new KoError(
            `layer entry "${e.name}": "${e.path}" shrank while being read (expected ${size} bytes)`,
          );
        }
        pos += n;
        left -= n;
        if (pos === blockSize) yield full();
      }
      if ((await file.read(new Uint8Array(1))) !== null) {
        throw new KoError(
          `layer entry "${e.name}": "${e.path}" grew while being read (expected ${size} bytes)`,
        );
      }
      yield* zeros(tarPadding(size));
    } finally {
      file.close();
    }
  }
  yield* put(TAR_TRAILER);
  if (pos > 0) yield block.subarray(0, pos);
}

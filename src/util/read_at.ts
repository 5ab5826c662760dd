/** Positioned reads from an open file. */

/** Reads up to `size` bytes at `offset` (fewer at the end of the file). */
export async function readAt(file: Deno.FsFile, offset: number, size: number): Promise<Uint8Array> {
  await file.seek(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(size);
  let n = 0;
  while (n < size) {
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return n === size ? buf : buf.subarray(0, n);
}

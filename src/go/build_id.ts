/**
 * The Go build ID of a binary, read from the file itself: what `go tool buildid <file>` prints
 * for the executables ko builds, without starting a process (far slower). ELF files
 * carry it in a `Go` note (type 4) of a PT_NOTE segment; other formats (PE for Windows) carry
 * `\xff Go build ID: "<id>"\n \xff` near the start of the text segment, within the first 32 KiB.
 */
import { errorMessage, KoError } from "../util/errors.ts";
import { readAt } from "../util/read_at.ts";
import { elfHeader, elfPrograms, PT_NOTE } from "./executable.ts";

/** How much of the file is read: the ELF headers and notes, or the start of the text. */
const READ_SIZE = 32 * 1024;
const GO_NOTE_TYPE = 4;
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** The marker before the quoted ID (the first byte is 0xff, not UTF-8). */
const RAW_PREFIX = latin1('\xff Go build ID: "');
const RAW_END = latin1('"\n \xff');

/**
 * The build ID of a Go binary, or undefined when it has none (not built by Go, or stripped of
 * it). Throws a KoError when the file cannot be read or its build ID is malformed.
 *
 * @example
 * ```ts
 * await readGoBuildId("/tmp/out"); // "UIydv866pEximhEG3PQF/Icy1…/yRQu…/CDlw…"
 * ```
 */
export async function readGoBuildId(path: string): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw new KoError(`reading the build ID of "${path}": ${errorMessage(e)}`, { cause: e });
  }
  try {
    const head = await readAt(file, 0, READ_SIZE);
    if (elfHeader(head, path)) return await elfBuildId(file, head, path);
    return rawBuildId(head, path);
  } finally {
    file.close();
  }
}

/** The `Go` note's payload in the PT_NOTE segments of an ELF file. */
async function elfBuildId(
  file: Deno.FsFile,
  head: Uint8Array,
  path: string,
): Promise<string | undefined> {
  const h = elfHeader(head, path)!;
  for (const p of await elfPrograms(file, head, h, path)) {
    if (p.type !== PT_NOTE || p.filesz < 16) continue;
    const notes = p.offset + p.filesz <= head.length
      ? head.subarray(p.offset, p.offset + p.filesz)
      : await readAt(file, p.offset, p.filesz);
    const id = goNote(notes, h.little, p.align);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Walks the notes of one segment for the `Go\0\0` note of type 4. */
function goNote(notes: Uint8Array, little: boolean, align: number): string | undefined {
  const v = new DataView(notes.buffer, notes.byteOffset, notes.byteLength);
  let off = 0;
  while (notes.length - off >= 16) {
    const nameSize = v.getUint32(off, little);
    const descSize = v.getUint32(off + 4, little);
    const type = v.getUint32(off + 8, little);
    if (
      nameSize === 4 && type === GO_NOTE_TYPE && off + 16 + descSize <= notes.length &&
      notes[off + 12] === 0x47 && notes[off + 13] === 0x6f && notes[off + 14] === 0 &&
      notes[off + 15] === 0
    ) {
      return new TextDecoder().decode(notes.subarray(off + 16, off + 16 + descSize));
    }
    let next = off + 12 + pad4(nameSize) + pad4(descSize);
    if (align > 1) next = Math.ceil(next / align) * align;
    if (next <= off) break;
    off = next;
  }
  return undefined;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** The quoted build ID after the `\xff Go build ID: ` marker, as Go's raw reader finds it. */
function rawBuildId(data: Uint8Array, path: string): string | undefined {
  const start = indexOf(data, RAW_PREFIX, 0);
  if (start < 0) return undefined;
  const from = start + RAW_PREFIX.length;
  const end = indexOf(data, RAW_END, from);
  if (end < 0) throw new KoError(`reading the build ID of "${path}": malformed build ID marker`);
  const text = new TextDecoder().decode(data.subarray(from - 1, end + 1));
  try {
    const id = JSON.parse(text);
    if (typeof id === "string") return id;
  } catch { /* below */ }
  throw new KoError(`reading the build ID of "${path}": malformed build ID ${text}`);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  outer: for (let i = haystack.indexOf(first, from); i >= 0; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Just enough of the ELF and PE formats to find what Go embeds in the executables it builds
 * (the build ID note, the build info blob) without starting `go tool buildid` or
 * `go version -m`: the file header, ELF program headers and sections, PE sections. Both byte
 * orders and both word sizes; anything malformed is a KoError naming the file.
 */
import { KoError } from "../util/errors.ts";
import { readAt } from "../util/read_at.ts";

/** The parts of an ELF file header these readers use. */
interface ElfHeader {
  readonly is64: boolean;
  readonly little: boolean;
  /** Program header table: file offset, entry size, count. */
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  /** Section header table: file offset, entry size, count, index of the names section. */
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

/** One ELF program header (segment). */
interface ElfProgram {
  readonly type: number;
  readonly offset: number;
  readonly filesz: number;
  readonly align: number;
}

/** One ELF section header, with its name resolved. */
interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

/** One PE section header. */
interface PeSection {
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly rawSize: number;
  readonly rawOffset: number;
  readonly characteristics: number;
}

/** A PE file's image base and sections. */
interface PeHeaders {
  readonly imageBase: number;
  readonly sections: readonly PeSection[];
}

/** The ELF program header type of notes. */
export const PT_NOTE = 4;
/** The ELF section type of sections without file contents (`.bss`). */
export const SHT_NOBITS = 8;

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** A file position or size as a JS number (Go's files never come near 2^53 bytes). */
function safe(n: bigint | number): number {
  return typeof n === "number" ? n : Number(n);
}

function malformed(path: string, what: string): KoError {
  return new KoError(`reading "${path}": malformed ${what}`);
}

/**
 * The ELF header at the start of `head` (the first bytes of the file), or undefined when the
 * file is not ELF. Throws a KoError when it is ELF but unreadable.
 */
export function elfHeader(head: Uint8Array, path: string): ElfHeader | undefined {
  if (!ELF_MAGIC.every((b, i) => head[i] === b)) return undefined;
  const is64 = head[4] === 2;
  const little = head[5] === 1;
  if ((head[4] !== 1 && !is64) || (head[5] !== 1 && head[5] !== 2)) {
    throw malformed(path, "ELF headers");
  }
  if (head.length < (is64 ? 64 : 52)) throw malformed(path, "ELF headers");
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u16 = (o: number) => v.getUint16(o, little);
  const word = (o: number) => is64 ? safe(v.getBigUint64(o, little)) : v.getUint32(o, little);
  return {
    is64,
    little,
    phoff: word(is64 ? 32 : 28),
    phentsize: u16(is64 ? 54 : 42),
    phnum: u16(is64 ? 56 : 44),
    shoff: word(is64 ? 40 : 32),
    shentsize: u16(is64 ? 58 : 46),
    shnum: u16(is64 ? 60 : 48),
    shstrndx: u16(is64 ? 62 : 50),
  };
}

/** Reads `size` bytes at `offset`, from `head` when it holds them. */
async function bytesAt(
  file: Deno.FsFile,
  head: Uint8Array,
  offset: number,
  size: number,
): Promise<Uint8Array> {
  return offset + size <= head.length
    ? head.subarray(offset, offset + size)
    : await readAt(file, offset, size);
}

/** The program headers of an ELF file. */
export async function elfPrograms(
  file: Deno.FsFile,
  head: Uint8Array,
  h: ElfHeader,
  path: string,
): Promise<ElfProgram[]> {
  if (h.phnum === 0) return [];
  if (h.phentsize < (h.is64 ? 56 : 32)) throw malformed(path, "ELF headers");
  const table = await bytesAt(file, head, h.phoff, h.phentsize * h.phnum);
  if (table.length < h.phentsize * h.phnum) throw malformed(path, "ELF headers");
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const programs: ElfProgram[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const p = i * h.phentsize;
    const u32 = (o: number) => v.getUint32(p + o, h.little);
    const u64 = (o: number) => safe(v.getBigUint64(p + o, h.little));
    programs.push(
      h.is64
        ? { type: u32(0), offset: u64(8), filesz: u64(32), align: u64(48) }
        : { type: u32(0), offset: u32(4), filesz: u32(16), align: u32(28) },
    );
  }
  return programs;
}

/**
 * The section headers of an ELF file with their names; undefined when the file has none or
 * uses the extended numbering of files with 0xff00 sections or more.
 */
export async function elfSections(
  file: Deno.FsFile,
  head: Uint8Array,
  h: ElfHeader,
  path: string,
): Promise<ElfSection[] | undefined> {
  if (h.shoff === 0 || h.shnum === 0 || h.shstrndx === 0 || h.shstrndx >= h.shnum) {
    return undefined;
  }
  if (h.shentsize < (h.is64 ? 64 : 40)) throw malformed(path, "ELF section headers");
  const table = await bytesAt(file, head, h.shoff, h.shentsize * h.shnum);
  if (table.length < h.shentsize * h.shnum) throw malformed(path, "ELF section headers");
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const raw = Array.from({ length: h.shnum }, (_, i) => {
    const p = i * h.shentsize;
    const u32 = (o: number) => v.getUint32(p + o, h.little);
    const u64 = (o: number) => safe(v.getBigUint64(p + o, h.little));
    return h.is64
      ? { nameAt: u32(0), type: u32(4), addr: u64(16), offset: u64(24), size: u64(32) }
      : { nameAt: u32(0), type: u32(4), addr: u32(12), offset: u32(16), size: u32(20) };
  });
  const strtab = raw[h.shstrndx]!;
  const names = await readAt(file, strtab.offset, strtab.size);
  if (names.length < strtab.size) throw malformed(path, "ELF section names");
  const decoder = new TextDecoder();
  return raw.map(({ nameAt, ...s }) => {
    const end = names.indexOf(0, nameAt);
    return { name: decoder.decode(names.subarray(nameAt, end < 0 ? names.length : end)), ...s };
  });
}

/** The image base and section headers of a PE file, or undefined when it is not PE. */
export async function peHeaders(
  file: Deno.FsFile,
  head: Uint8Array,
  path: string,
): Promise<PeHeaders | undefined> {
  if (head[0] !== 0x4d || head[1] !== 0x5a || head.length < 0x40) return undefined; // "MZ"
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const pe = hv.getUint32(0x3c, true);
  const coff = await bytesAt(file, head, pe, 24 + 28 + 8);
  if (coff.length < 24 + 28 + 8 || coff[0] !== 0x50 || coff[1] !== 0x45 || coff[2] || coff[3]) {
    throw malformed(path, "PE headers");
  }
  const cv = new DataView(coff.buffer, coff.byteOffset, coff.byteLength);
  const count = cv.getUint16(6, true);
  const optionalSize = cv.getUint16(20, true);
  const magic = cv.getUint16(24, true);
  let imageBase: number;
  if (magic === 0x10b) imageBase = cv.getUint32(24 + 28, true);
  else if (magic === 0x20b) imageBase = safe(cv.getBigUint64(24 + 24, true));
  else throw malformed(path, "PE optional header");
  const table = await bytesAt(file, head, pe + 24 + optionalSize, 40 * count);
  if (table.length < 40 * count) throw malformed(path, "PE section headers");
  const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const decoder = new TextDecoder();
  const sections = Array.from({ length: count }, (_, i): PeSection => {
    const p = i * 40;
    const name = table.subarray(p, p + 8);
    const end = name.indexOf(0);
    return {
      name: decoder.decode(end < 0 ? name : name.subarray(0, end)),
      virtualSize: tv.getUint32(p + 8, true),
      virtualAddress: tv.getUint32(p + 12, true),
      rawSize: tv.getUint32(p + 16, true),
      rawOffset: tv.getUint32(p + 20, true),
      characteristics: tv.getUint32(p + 36, true),
    };
  });
  return { imageBase, sections };
}

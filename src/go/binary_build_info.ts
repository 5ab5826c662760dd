/**
 * The Go version and module info a Go executable carries, read from the file itself (what
 * `go version -m` reads, without starting the go command, which would cost a warm build more
 * than anything else it does per image). Go (1.18 and later) embeds a 32-byte header starting `\xff Go buildinf:` at the
 * start of the `.go.buildinfo` section (ELF) or of the first writable data section (PE),
 * followed by two varint-length-prefixed strings: the Go version and the module info, framed
 * by 16-byte sentinels. The module info is `debug.BuildInfo.String()` text.
 *
 * Only the ordinary case is handled: other executable formats, the pre-1.18 pointer layout or
 * text that is not UTF-8 give undefined, and the caller runs `go version -m` instead.
 */
import { elfHeader, elfSections, peHeaders, SHT_NOBITS } from "./executable.ts";
import { readAt } from "../util/read_at.ts";

const MAGIC = Uint8Array.from("\xff Go buildinf:", (c) => c.charCodeAt(0));
const HEADER_SIZE = 32;
const ALIGN = 16;
/** How much of a PE data section is searched (Go's linker puts the header at its start). */
const PE_SEARCH = 64 * 1024;
/** Flags bit: the strings follow the header inline (Go 1.18 and later). */
const FLAGS_VERSION_INLINE = 0x2;
/** PE section characteristics of Go's data section: initialized data, readable, writable. */
const PE_DATA = (0x00000040 | 0x40000000 | 0x80000000) >>> 0;
const PE_ALIGN_32BYTES = 0x00600000;

/** Where the build info blob may be: file bytes that start at a virtual address. */
interface Region {
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

/** The build info strings of a Go executable. */
interface RawBuildInfo {
  /** The toolchain version, `go1.26.8`. */
  readonly goVersion: string;
  /** The module info text (sentinels removed; "" when there is none, as Go reads it). */
  readonly modInfo: string;
}

/**
 * The Go version and module info of the executable at `path`, as `debug/buildinfo` reads them;
 * undefined when the file is not the ordinary case (see the module comment). Throws only when
 * the file cannot be opened or read.
 *
 * @example
 * ```ts
 * await readRawBuildInfo("/tmp/out");
 * // { goVersion: "go1.26.8", modInfo: "path\texample.com/app\nmod\t…" }
 * ```
 */
export async function readRawBuildInfo(path: string): Promise<RawBuildInfo | undefined> {
  const file = await Deno.open(path, { read: true });
  try {
    const raw = await readRaw(file, path);
    if (raw === undefined) return undefined;
    let mod = raw.mod;
    // Strip the sentinels around the module info, as debug/buildinfo does.
    if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) {
      mod = mod.subarray(16, mod.length - 16);
    } else {
      mod = new Uint8Array(0);
    }
    const goVersion = utf8(raw.vers);
    const modInfo = utf8(mod);
    if (goVersion === undefined || goVersion === "" || modInfo === undefined) return undefined;
    return { goVersion, modInfo };
  } finally {
    file.close();
  }
}

/** The raw version and module info strings, or undefined when not found the ordinary way. */
async function readRaw(
  file: Deno.FsFile,
  path: string,
): Promise<{ vers: Uint8Array; mod: Uint8Array } | undefined> {
  const head = await readAt(file, 0, 4096);
  const region = await dataRegion(file, head, path);
  if (region === undefined || region.size < HEADER_SIZE) return undefined;
  const data = await readAt(file, region.offset, region.size);
  // The header sits at a 16-byte-aligned address.
  let at = (ALIGN - (region.addr % ALIGN)) % ALIGN;
  for (; at + HEADER_SIZE <= data.length; at += ALIGN) {
    if (MAGIC.every((b, i) => data[at + i] === b)) break;
  }
  if (at + HEADER_SIZE > data.length) return undefined;
  if ((data[at + 15]! & FLAGS_VERSION_INLINE) === 0) return undefined;
  const vers = varintString(data, at + HEADER_SIZE);
  if (vers === undefined) return undefined;
  const mod = varintString(data, vers.end);
  if (mod === undefined) return undefined;
  return { vers: vers.bytes, mod: mod.bytes };
}

/** The section Go's reader searches: `.go.buildinfo` (ELF), the first data section (PE). */
async function dataRegion(
  file: Deno.FsFile,
  head: Uint8Array,
  path: string,
): Promise<Region | undefined> {
  const elf = elfHeader(head, path);
  if (elf) {
    const sections = await elfSections(file, head, elf, path);
    const s = sections?.find((x) => x.name === ".go.buildinfo");
    if (s === undefined || s.type === SHT_NOBITS) return undefined;
    return { addr: s.addr, offset: s.offset, size: s.size };
  }
  const pe = await peHeaders(file, head, path);
  if (pe === undefined) return undefined;
  const s = pe.sections.find((x) =>
    x.virtualAddress !== 0 && x.rawSize !== 0 &&
    ((x.characteristics & ~PE_ALIGN_32BYTES) >>> 0) === PE_DATA
  );
  if (s === undefined) return undefined;
  return {
    addr: pe.imageBase + s.virtualAddress,
    offset: s.rawOffset,
    size: Math.min(s.virtualSize, s.rawSize, PE_SEARCH),
  };
}

/** A uvarint-length-prefixed string at `at`, or undefined when it runs past the data. */
function varintString(
  data: Uint8Array,
  at: number,
): { bytes: Uint8Array; end: number } | undefined {
  let length = 0;
  let shift = 0;
  let i = at;
  for (;; i++) {
    if (i >= data.length || shift > 35) return undefined;
    const b = data[i]!;
    length += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) break;
  }
  const start = i + 1;
  if (start + length > data.length) return undefined;
  return { bytes: data.subarray(start, start + length), end: start + length };
}

/** Strict UTF-8 decoding; undefined for invalid bytes (Go would keep them as they are). */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads tar archives (ustar with PAX extended headers, as Go's archive/tar and our layer
 * writer produce them) back into entries, so tests can check names, modes and PAX records of
 * pushed layers without going through src/layer. Gzipped input is detected and inflated.
 */
import { gunzipSync } from "node:zlib";

/** One archive member, PAX records applied. */
export interface TarMember {
  name: string;
  /** `0` file, `5` dir, `2` symlink… */
  type: string;
  mode: number;
  size: number;
  content: Uint8Array;
  /** The PAX records of this member (`MSWINDOWS.rawsd`, `SCHILY.xattr.…`, `path`…). */
  pax: Record<string, string>;
}

const dec = new TextDecoder();

function str(b: Uint8Array, off: number, len: number): string {
  const raw = b.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return dec.decode(nul < 0 ? raw : raw.subarray(0, nul));
}

function octal(b: Uint8Array, off: number, len: number): number {
  const s = str(b, off, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

/** Parses PAX records (`<len> <key>=<value>\n`). */
export function parsePaxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    const len = Number(dec.decode(data.subarray(off, space)));
    const record = dec.decode(data.subarray(space + 1, off + len - 1));
    const eq = record.indexOf("=");
    out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}

/** The members of a tar (or gzipped tar) archive, in order. */
export function readTar(archive: Uint8Array): TarMember[] {
  const b = archive[0] === 0x1f && archive[1] === 0x8b
    ? new Uint8Array(gunzipSync(archive))
    : archive;
  const out: TarMember[] = [];
  let pending: Record<string, string> = {};
  let off = 0;
  while (off + 512 <= b.length) {
    const header = b.subarray(off, off + 512);
    if (header.every((x) => x === 0)) break;
    const type = String.fromCharCode(header[156]!) || "0";
    const size = octal(header, 124, 12);
    const content = b.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      pending = parsePaxRecords(content);
      continue;
    }
    const prefix = str(header, 345, 155);
    const base = str(header, 0, 100);
    const name = pending.path ?? (prefix ? `${prefix}/${base}` : base);
    out.push({ name, type, mode: octal(header, 100, 8), size, content, pax: pending });
    pending = {};
  }
  return out;
}

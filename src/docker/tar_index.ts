/**
 * Random access to the members of a tar file on disk: one pass over the headers records where
 * each regular file's bytes are, so a `docker save` export (whose `manifest.json` comes last)
 * can be read in any order without holding it in memory. Understands ustar names with a
 * prefix, PAX `path` records and GNU long names.
 */
import { KoError } from "../util/errors.ts";
import { readAt } from "../util/read_at.ts";

/** Where a member's bytes are in the file. */
export interface TarMemberRange {
  readonly offset: number;
  readonly size: number;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function field(b: Uint8Array, off: number, len: number): string {
  const raw = b.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return decoder.decode(nul < 0 ? raw : raw.subarray(0, nul));
}

function octal(b: Uint8Array, off: number, len: number, what: string): number {
  if ((b[off]! & 0x80) !== 0) { // base-256 (GNU) for big sizes
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = field(b, off, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) {
    throw new KoError(`malformed tar header in "${what}": bad number "${s}"`);
  }
  return parseInt(s, 8);
}

/** PAX records (`<len> key=value\n`…) as a map. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = decoder.decode(data);
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(" ", i);
    if (space < 0) break;
    const len = Number(text.slice(i, space));
    if (!Number.isFinite(len) || len <= 0) break;
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/** Indexes the regular files of a tar file by name (a leading `./` is dropped). */
export async function indexTar(path: string): Promise<Map<string, TarMemberRange>> {
  const members = new Map<string, TarMemberRange>();
  using file = await Deno.open(path);
  const total = (await file.stat()).size;
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= total) {
    const header = await readAt(file, offset, BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12, path);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataOffset = offset + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (next > total) throw new KoError(`truncated tar "${path}": a member ends past the file`);
    if (type === "x") {
      longName = paxRecords(await readAt(file, dataOffset, size)).get("path") ?? longName;
    } else if (type === "L") {
      longName = field(await readAt(file, dataOffset, size), 0, size);
    } else if (type !== "g") {
      let name = longName ?? field(header, 0, 100);
      if (longName === undefined && field(header, 257, 6) === "ustar") {
        const prefix = field(header, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      longName = undefined;
      if (type === "0" || type === "\0" || type === "7") {
        members.set(name.replace(/^\.\//, ""), { offset: dataOffset, size });
      }
    }
    offset = next;
  }
  return members;
}

/** Reads a member's bytes. */
export async function readMember(path: string, range: TarMemberRange): Promise<Uint8Array> {
  using file = await Deno.open(path);
  return await readAt(file, range.offset, range.size);
}

/**
 * A tar writer whose bytes equal Go `archive/tar`'s for the same headers (ko's layers are made
 * with it, so equal bytes mean equal diff_ids). USTAR unless a field needs PAX, exactly as Go
 * decides; PAX records sorted by key in an entry named `<dir>/PaxHeaders.0/<file>`; two zero
 * blocks at the end and no padding to a 10 KiB record.
 *
 * Streaming: {@link encodeTarHeader} gives the header bytes of one entry, the body follows
 * with {@link tarPadding} zero bytes, and {@link TAR_TRAILER} closes the archive.
 * {@link tarChunks} strings these together over streamed bodies.
 */
import { compareUtf8 } from "../oci/go_json.ts";
import { KoError } from "../util/errors.ts";
import { joinPath } from "../util/go_path.ts";
import {
  F,
  fillCommon,
  finishBlock,
  fitsInOctal,
  isAscii,
  putOctal,
  putString,
  TAR_BLOCK_SIZE,
  toAscii,
  truncateBytes,
  utf8Length,
} from "./ustar_block.ts";

/** The end-of-archive marker: two zero blocks (Go writes no further record padding). */
export const TAR_TRAILER: Uint8Array = new Uint8Array(2 * TAR_BLOCK_SIZE);

/** A PAX record value: text (written as UTF-8) or raw bytes (e.g. a capability xattr). */
export type PaxValue = string | Uint8Array;

/** The header of one entry: a directory (typeflag `5`) or a regular file (typeflag `0`). */
export interface TarHeader {
  /** The exact name written (no slash is added or removed). */
  name: string;
  type: "dir" | "file";
  /** Permission bits, e.g. `0o555`. */
  mode: number;
  /** Content length; files only (directories are always 0). */
  size?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Modification time in whole seconds since the Unix epoch (default 0). */
  mtime?: number;
  /** Extra PAX records such as `SCHILY.xattr.security.capability` or `MSWINDOWS.rawsd`. */
  paxRecords?: Readonly<Record<string, PaxValue>>;
}

const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
const MAX_PAX_DATA = 1 << 20;
const BASIC_PAX_KEYS = new Set([
  "path",
  "linkpath",
  "size",
  "uid",
  "gid",
  "uname",
  "gname",
  "mtime",
  "atime",
  "ctime",
]);
const utf8 = new TextEncoder();

/** Zero bytes needed after `size` bytes of content to reach a block boundary. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK_SIZE - (size % TAR_BLOCK_SIZE)) % TAR_BLOCK_SIZE;
}

/**
 * The header bytes of one entry: a single 512-byte USTAR block, or a PAX extended header
 * (its block, its padded records) followed by the entry's own block. Throws a KoError for a
 * header Go would reject (file name ending in `/`, mode too large, invalid PAX record…).
 *
 * @example
 * ```ts
 * const hdr = encodeTarHeader({ name: "/ko-app/app", type: "file", mode: 0o555, size: 1234 });
 * ```
 */
export function encodeTarHeader(h: TarHeader): Uint8Array {
  const size = h.type === "dir" ? 0 : h.size ?? 0;
  const uid = h.uid ?? 0;
  const gid = h.gid ?? 0;
  const uname = h.uname ?? "";
  const gname = h.gname ?? "";
  const mtime = h.mtime ?? 0;
  const records = h.paxRecords ?? {};
  for (const [what, n] of [["size", size], ["uid", uid], ["gid", gid], ["mtime", mtime]] as const) {
    if (!Number.isSafeInteger(n)) {
      throw new KoError(`tar entry "${h.name}": ${what} ${n} is not a whole number`);
    }
  }
  if (h.type === "file" && h.name.endsWith("/")) {
    throw new KoError(`tar entry "${h.name}": a regular file name may not end in "/"`);
  }
  if (size < 0) throw new KoError(`tar entry "${h.name}": negative size ${size}`);

  // Format selection, following Go's Header.allowedFormats for the fields we support.
  let ustar = true;
  const pax = new Map<string, PaxValue>();
  const userValue = (key: string, value: string) => {
    const v = records[key];
    if (typeof v === "string" && v === value) pax.set(key, v);
  };
  const checkString = (s: string, size: number, key: string) => {
    const tooLong = utf8Length(s) > size;
    if (!isAscii(s) || tooLong) {
      if (key !== "path" || splitUstarPath(s) === undefined) ustar = false;
      pax.set(key, s);
    }
    userValue(key, s);
  };
  const checkNumber = (n: number, size: number, key: string) => {
    if (!fitsInOctal(size, n)) {
      ustar = false;
      if (key === "") {
        throw new KoError(`tar entry "${h.name}": ${n} does not fit in the header`);
      }
      pax.set(key, String(n));
    }
    if (key !== "") userValue(key, String(n));
  };
  checkString(h.name, NAME_SIZE, "path");
  checkString("", NAME_SIZE, "linkpath");
  checkString(uname, 32, "uname");
  checkString(gname, 32, "gname");
  checkNumber(h.mode, 8, "");
  checkNumber(uid, 8, "uid");
  checkNumber(gid, 8, "gid");
  checkNumber(size, 12, "size");
  checkNumber(mtime, 12, "mtime");
  const userKeys = Object.keys(records);
  if (userKeys.length > 0) {
    for (const k of userKeys) {
      if (pax.has(k) || BASIC_PAX_KEYS.has(k) || k.startsWith("GNU.sparse.")) continue;
      pax.set(k, records[k]!);
    }
    ustar = false;
  }
  for (const [k, v] of pax) {
    if (!validPaxRecord(k, v)) {
      throw new KoError(`tar entry "${h.name}": invalid PAX record ${JSON.stringify(k)}`);
    }
  }

  const typeflag = h.type === "dir" ? "5" : "0";
  if (ustar) {
    const block = new Uint8Array(TAR_BLOCK_SIZE);
    const split = splitUstarPath(h.name);
    putString(block, "name", split ? split[1] : h.name);
    fillCommon(block, typeflag, h.mode, uid, gid, size, mtime, uname, gname);
    if (split) putString(block, "prefix", split[0]);
    finishBlock(block);
    return block;
  }

  // PAX: an extended header entry carrying the records, then the entry itself, whose fields
  // are best-effort ASCII (numbers that do not fit are written as zero).
  const parts: Uint8Array[] = [];
  if (pax.size > 0) {
    const data = concat([...pax.keys()].sort(compareUtf8).map((k) => paxRecord(k, pax.get(k)!)));
    if (data.length > MAX_PAX_DATA) {
      throw new KoError(`tar entry "${h.name}": PAX records exceed ${MAX_PAX_DATA} bytes`);
    }
    const xblock = new Uint8Array(TAR_BLOCK_SIZE);
    let xname = toAscii(paxHeaderName(h.name));
    xname = truncateBytes(xname, NAME_SIZE).replace(/\/+$/, "");
    putString(xblock, "name", xname);
    putOctal(xblock, "mode", 0);
    putOctal(xblock, "uid", 0);
    putOctal(xblock, "gid", 0);
    putOctal(xblock, "size", data.length);
    putOctal(xblock, "mtime", 0);
    xblock[F.typeflag[0]] = "x".charCodeAt(0);
    finishBlock(xblock);
    parts.push(xblock, data, new Uint8Array(tarPadding(data.length)));
  }
  const block = new Uint8Array(TAR_BLOCK_SIZE);
  putString(block, "name", toAscii(h.name));
  fillCommon(block, typeflag, h.mode, uid, gid, size, mtime, toAscii(uname), toAscii(gname));
  finishBlock(block);
  parts.push(block);
  return concat(parts);
}

/** One entry of {@link tarChunks}: a header and, for files, a body of exactly `size` bytes. */
export interface TarEntry {
  header: TarHeader;
  body?: Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
}

/**
 * The archive for `entries` as a sequence of chunks: header bytes, body chunks as they come
 * (never gathered), padding, and finally {@link TAR_TRAILER}. A body whose length differs from
 * its header's size is an error.
 *
 * @example
 * ```ts
 * using f = await Deno.open("app");
 * const size = (await f.stat()).size;
 * for await (const chunk of tarChunks([{ header: { name: "app", type: "file", mode: 0o555, size }, body: f.readable }])) {
 *   await out.write(chunk);
 * }
 * ```
 */
export async function* tarChunks(
  entries: Iterable<TarEntry> | AsyncIterable<TarEntry>,
): AsyncGenerator<Uint8Array> {
  for await (const { header, body } of entries) {
    yield encodeTarHeader(header);
    const expected = header.type === "dir" ? 0 : header.size ?? 0;
    let written = 0;
    if (body !== undefined) {
      const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = body instanceof Uint8Array
        ? [body]
        : body;
      for await (const chunk of chunks) {
        written += chunk.byteLength;
        if (written > expected) break;
        if (chunk.byteLength > 0) yield chunk;
      }
    }
    if (written !== expected) {
      const got = written > expected ? `more than ${expected}` : `${written}`;
      throw new KoError(
        `tar entry "${header.name}": body has ${got} bytes but the header says ${expected}`,
      );
    }
    const pad = tarPadding(written);
    if (pad > 0) yield new Uint8Array(pad);
  }
  yield TAR_TRAILER;
}

/** {@link tarChunks} as a ReadableStream. */
export function tarStream(
  entries: Iterable<TarEntry> | AsyncIterable<TarEntry>,
): ReadableStream<Uint8Array> {
  return ReadableStream.from(tarChunks(entries));
}

/**
 * Go's `splitUSTARPath`: for an ASCII name longer than 100 bytes, the split at a `/` into a
 * prefix of at most 155 bytes and a non-empty name of at most 100; undefined if impossible.
 */
export function splitUstarPath(name: string): [prefix: string, name: string] | undefined {
  let length = name.length;
  if (length <= NAME_SIZE || !isAscii(name)) return undefined;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === "/") length--;
  const i = name.lastIndexOf("/", length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || i > PREFIX_SIZE) return undefined;
  return [name.slice(0, i), name.slice(i + 1)];
}

/** Go's name for the PAX extended header of `name`: `path.Join(dir, "PaxHeaders.0", file)`. */
export function paxHeaderName(name: string): string {
  const slash = name.lastIndexOf("/");
  const dir = name.slice(0, slash + 1);
  const file = name.slice(slash + 1);
  return joinPath(dir, "PaxHeaders.0", file);
}

/** One PAX record, `"<len> <key>=<value>\n"`, where len counts the whole record in bytes. */
export function paxRecord(key: string, value: PaxValue): Uint8Array {
  const k = utf8.encode(key);
  const v = typeof value === "string" ? utf8.encode(value) : value;
  let size = k.length + v.length + 3;
  size += String(size).length;
  if (String(size).length + 3 + k.length + v.length !== size) {
    size = String(size).length + 3 + k.length + v.length;
  }
  return concat([utf8.encode(`${size} `), k, utf8.encode("="), v, utf8.encode("\n")]);
}

function validPaxRecord(key: string, value: PaxValue): boolean {
  if (key === "" || key.includes("=")) return false;
  if (key === "path" || key === "linkpath" || key === "uname" || key === "gname") {
    return typeof value === "string" ? !value.includes("\0") : !value.includes(0);
  }
  return !key.includes("\0");
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

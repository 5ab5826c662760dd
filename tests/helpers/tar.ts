/**
 * A tiny deterministic ustar writer for fixture layers (independent of src/layer, so fixtures
 * stay an outside check). Entries are written in the order given, with mtime 0 unless set.
 */
import { concatBytes } from "./bytes.ts";

/** One archive member. Directory paths may omit the trailing slash. */
export interface TarEntry {
  path: string;
  type: "file" | "dir" | "symlink";
  /** Permission bits; default 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  uid?: number;
  gid?: number;
  content?: string | Uint8Array;
  /** Target of a symlink. */
  linkname?: string;
  /** Seconds since the epoch (default 0). */
  mtime?: number;
}

const BLOCK = 512;

/** Writes a ustar archive (two zero blocks at the end, no record padding). */
export function tarArchive(entries: TarEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const body = e.type === "file"
      ? typeof e.content === "string" ? enc.encode(e.content) : e.content ?? new Uint8Array()
      : new Uint8Array();
    parts.push(header(e, body.length));
    if (body.length > 0) {
      parts.push(body);
      const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return concatBytes(parts);
}

function header(e: TarEntry, size: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const enc = new TextEncoder();
  const put = (offset: number, length: number, value: string) => {
    const bytes = enc.encode(value);
    if (bytes.length > length) throw new Error(`tar field too long for ${e.path}: ${value}`);
    h.set(bytes, offset);
  };
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, value.toString(8).padStart(length - 1, "0") + "\0");

  let name = e.path.replace(/^\/+/, "");
  if (e.type === "dir" && !name.endsWith("/")) name += "/";
  let prefix = "";
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const defaultMode = e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644;
  put(0, 100, name);
  octal(100, 8, e.mode ?? defaultMode);
  octal(108, 8, e.uid ?? 0);
  octal(116, 8, e.gid ?? 0);
  octal(124, 12, size);
  octal(136, 12, e.mtime ?? 0);
  h.fill(0x20, 148, 156); // checksum placeholder: spaces
  put(156, 1, e.type === "dir" ? "5" : e.type === "symlink" ? "2" : "0");
  if (e.linkname) put(157, 100, e.linkname);
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  // uname/gname stay empty: numeric owners only, like `tar --numeric-owner`.
  octal(329, 8, 0);
  octal(337, 8, 0);
  put(345, 155, prefix);
  const sum = h.reduce((n, b) => n + b, 0);
  put(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

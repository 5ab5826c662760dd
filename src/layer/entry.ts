/**
 * What goes into a layer: directories and regular files, the files' contents coming from a
 * path (read at build time, streamed) or from bytes in memory.
 */
import type { PaxValue, TarHeader } from "./tar.ts";

/** Tar metadata shared by every kind of entry. Defaults: mtime 0, uid/gid 0, empty names. */
interface LayerEntryMeta {
  /** The exact name in the tar, e.g. `/ko-app/app` or `ko-app` (nothing is added). */
  name: string;
  /** Permission bits, e.g. `0o555`. */
  mode: number;
  /** Seconds since the Unix epoch. */
  mtime?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** PAX records, e.g. `{ "SCHILY.xattr.security.capability": bytes }`. */
  paxRecords?: Readonly<Record<string, PaxValue>>;
}

/** A directory entry (typeflag `5`). */
interface DirLayerEntry extends LayerEntryMeta {
  type: "dir";
}

/** A regular file whose contents are read from `path` when the layer is built. */
interface PathLayerEntry extends LayerEntryMeta {
  type: "file";
  path: string;
  bytes?: never;
}

/** A regular file whose contents are given. */
interface BytesLayerEntry extends LayerEntryMeta {
  type: "file";
  bytes: Uint8Array;
  path?: never;
}

/**
 * One entry of a layer, in tar order.
 *
 * @example
 * ```ts
 * const entries: LayerEntry[] = [
 *   { type: "dir", name: "ko-app", mode: 0o555 },
 *   { type: "file", name: "/ko-app/app", mode: 0o555, path: "/tmp/out/app" },
 * ];
 * ```
 */
export type LayerEntry = DirLayerEntry | PathLayerEntry | BytesLayerEntry;

/** The tar header of an entry whose content size is `size` (ignored for directories). */
export function entryHeader(e: LayerEntry, size: number): TarHeader {
  return {
    name: e.name,
    type: e.type,
    mode: e.mode,
    size: e.type === "dir" ? 0 : size,
    uid: e.uid,
    gid: e.gid,
    uname: e.uname,
    gname: e.gname,
    mtime: e.mtime,
    paxRecords: e.paxRecords,
  };
}

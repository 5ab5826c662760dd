/**
 * The kodata layer (ko-behaviour 5.6): the package's `kodata/` directory at `/var/run/ko`,
 * walked in lexical order with every symlink dereferenced — but never to a target outside the
 * allowed root (`KO_DATA_PATH_ALLOWED_ROOT`, else the enclosing git worktree, else kodata
 * itself). Better than ko: a symlinked `kodata` directory is followed (within the same root),
 * symlink cycles and special files are clear errors instead of hangs.
 */
import { dirname, isAbsolute, join, relative, resolve } from "../util/posix_path.ts";
import { compareUtf8 } from "../oci/go_json.ts";
import type { LayerEntry } from "../layer/entry.ts";
import { KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { WINDOWS_RAWSD } from "./windows.ts";

/** Where kodata lives in a Linux image. */
export const KODATA_ROOT = "/var/run/ko";

/** Options of {@link kodataEntries}. */
interface KodataOptions {
  /** Target OS: `windows` lays files under `Files/` with the rawsd PAX record. */
  readonly os: string;
  /** mtime of every entry: `KO_DATA_DATE_EPOCH` or 0. */
  readonly mtime: number;
  /** `KO_DATA_PATH_ALLOWED_ROOT`, if set. */
  readonly allowedRootOverride?: string;
}

/** The tar entries of the kodata layer for the package directory `pkgDir`. */
export async function kodataEntries(pkgDir: string, opts: KodataOptions): Promise<LayerEntry[]> {
  const windows = opts.os === "windows";
  const dirs = windows
    ? ["Hives", "Files", "Files/var", "Files/var/run", "Files/var/run/ko"]
    : ["/var", "/var/run", KODATA_ROOT];
  const chroot = windows ? "Files" + KODATA_ROOT : KODATA_ROOT;
  const entries: LayerEntry[] = dirs.map((name) => dirEntry(name, opts.mtime));

  const root = join(pkgDir, "kodata");
  const lst = await lstatOrUndefined(root);
  if (!lst) return entries; // a missing kodata directory is an empty one
  let realRoot: string;
  try {
    realRoot = await Deno.realPath(root);
  } catch (e) {
    throw new KoError(`kodata directory "${root}" cannot be resolved: ${(e as Error).message}`);
  }
  const allowedRoot = await resolveAllowedRoot(lst.isSymlink ? resolve(pkgDir) : realRoot, opts);
  if (lst.isSymlink) {
    if (windows) {
      info(`skipping symlink in kodata for windows: kodata`);
      return entries;
    }
    if (!withinRoot(realRoot, allowedRoot)) {
      throw new KoError(
        `kodata symlink "${root}" resolves to "${realRoot}" which is outside the allowed root "${allowedRoot}"`,
      );
    }
  }
  if (!(await Deno.stat(realRoot)).isDirectory) {
    throw new KoError(`kodata "${root}" is not a directory`);
  }
  await walk(realRoot, chroot, { ...opts, windows, allowedRoot, entries, ancestors: [realRoot] });
  return entries;
}

interface WalkState extends KodataOptions {
  windows: boolean;
  allowedRoot: string;
  entries: LayerEntry[];
  /** Real paths of the directories being walked, to detect symlink cycles. */
  ancestors: string[];
}

async function walk(hostDir: string, chroot: string, st: WalkState): Promise<void> {
  const names: string[] = [];
  for await (const e of Deno.readDir(hostDir)) names.push(e.name);
  names.sort(compareUtf8);
  for (const name of names) {
    const hostPath = join(hostDir, name);
    const newPath = `${chroot}/${name}`;
    const lst = await Deno.lstat(hostPath);
    if (lst.isDirectory) {
      st.entries.push(dirEntry(newPath, st.mtime));
      await walk(hostPath, newPath, { ...st, ancestors: [...st.ancestors, hostPath] });
      continue;
    }
    if (lst.isSymlink && st.windows) {
      info(`skipping symlink in kodata for windows: ${name}`);
      continue;
    }
    let real: string;
    try {
      real = await Deno.realPath(hostPath);
    } catch (e) {
      throw new KoError(`kodata "${hostPath}": cannot resolve symlink: ${(e as Error).message}`);
    }
    if (!withinRoot(real, st.allowedRoot)) {
      throw new KoError(
        `kodata symlink "${hostPath}" resolves to "${real}" which is outside the allowed root "${st.allowedRoot}"`,
      );
    }
    const target = await Deno.stat(real);
    if (target.isDirectory) {
      if (st.ancestors.includes(real)) {
        throw new KoError(`kodata symlink "${hostPath}" makes a cycle (it points at "${real}")`);
      }
      st.entries.push(dirEntry(newPath, st.mtime));
      await walk(real, newPath, { ...st, ancestors: [...st.ancestors, real] });
    } else if (target.isFile) {
      st.entries.push({
        type: "file",
        name: newPath,
        mode: 0o555,
        mtime: st.mtime,
        path: real,
        ...(st.windows ? { paxRecords: { "MSWINDOWS.rawsd": WINDOWS_RAWSD } } : {}),
      });
    } else {
      throw new KoError(`kodata "${hostPath}" is not a regular file or directory`);
    }
  }
}

function dirEntry(name: string, mtime: number): LayerEntry {
  return { type: "dir", name, mode: 0o555, mtime };
}

/**
 * The directory kodata symlinks may resolve into: `KO_DATA_PATH_ALLOWED_ROOT` or the nearest
 * ancestor holding `.git`, used only when it contains `kodataReal`; else `kodataReal` itself.
 */
export async function resolveAllowedRoot(kodataReal: string, opts: KodataOptions): Promise<string> {
  const candidate = opts.allowedRootOverride || await enclosingGitRoot(kodataReal);
  if (!candidate) return kodataReal;
  let abs = resolve(candidate);
  try {
    abs = await Deno.realPath(abs);
  } catch { /* keep the unresolved path */ }
  return withinRoot(kodataReal, abs) ? abs : kodataReal;
}

/** Whether `p` is `root` or inside it. */
export function withinRoot(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith("../"));
}

async function enclosingGitRoot(dir: string): Promise<string | undefined> {
  for (let d = dir;; d = dirname(d)) {
    if (await lstatOrUndefined(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}

async function lstatOrUndefined(p: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

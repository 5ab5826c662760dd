/**
 * Files that appear whole or not at all: content goes to a temporary file in the same
 * directory (locked while written, see owned_temp.ts), then is renamed over the target. A
 * failure or a cancellation leaves the previous file untouched and no temporary file; a killed
 * writer's temporary file is recognised and removed by {@link removeOrphanedWrites}.
 * A symlink is followed (its target is replaced, the link stays), and a pipe, terminal or
 * other special file (`/dev/stdout`, `>(cmd)`) is written in place, as `os.Create` would.
 */
import { dirname, join, resolve } from "./posix_path.ts";
import { KoError } from "./errors.ts";
import { OwnedTemp, removeOrphanTemps } from "./owned_temp.ts";

/**
 * Writes bytes, text or a stream to `path` atomically. When `signal` aborts, the write stops
 * (between chunks) and throws the signal's reason, leaving nothing behind.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | ReadableStream<Uint8Array>,
  mode = 0o644,
  signal?: AbortSignal,
): Promise<void> {
  const target = await writeTarget(path);
  if (target.special) {
    try {
      if (typeof data === "string") await Deno.writeTextFile(path, data, { signal });
      else await Deno.writeFile(path, data, { signal });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw new KoError(`cannot write "${path}": ${describeFsError(e)}`, { cause: e });
    }
    return;
  }
  path = target.path;
  let tmp: OwnedTemp | undefined;
  try {
    signal?.throwIfAborted();
    tmp = await OwnedTemp.create(path, mode);
    if (data instanceof ReadableStream) {
      for await (const chunk of data) {
        signal?.throwIfAborted();
        await tmp.write(chunk);
      }
    } else {
      await tmp.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    }
    signal?.throwIfAborted();
    await Deno.chmod(tmp.path, mode);
    await tmp.commit();
  } catch (e) {
    await tmp?.discard();
    if (signal?.aborted) throw signal.reason;
    throw new KoError(`cannot write "${path}": ${describeFsError(e)}`, { cause: e });
  }
}

/**
 * Removes what writes of `path` left behind when their process was killed (their temporary
 * files, which no live process holds), so a run replacing `path` leaves the directory clean.
 */
export async function removeOrphanedWrites(path: string): Promise<void> {
  const target = await writeTarget(path);
  if (target.special) return;
  await removeOrphanTemps(dirname(target.path), basename(target.path));
}

/**
 * Fails early, before any build, when `path` could not be written later: its directory must
 * exist and be writable, and the path must not be a directory.
 */
export async function checkWritableTarget(path: string, flag: string): Promise<void> {
  const target = await writeTarget(path);
  if (target.special) return;
  const dir = dirname(target.path);
  try {
    const st = await Deno.stat(dir);
    if (!st.isDirectory) throw new KoError(`${flag} "${path}": "${dir}" is not a directory`);
  } catch (e) {
    if (e instanceof KoError) throw e;
    throw new KoError(`${flag} "${path}": directory "${dir}" ${describeFsError(e)}`);
  }
  try {
    if ((await Deno.stat(path)).isDirectory) {
      throw new KoError(`${flag} "${path}" is a directory`);
    }
  } catch (e) {
    if (e instanceof KoError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new KoError(`${flag} "${path}": ${describeFsError(e)}`);
    }
  }
  const probe = join(dir, `.ko-write-probe-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.writeFile(probe, new Uint8Array(), { createNew: true });
    await Deno.remove(probe);
  } catch (e) {
    throw new KoError(
      `${flag} "${path}": directory "${dir}" is not writable (${describeFsError(e)})`,
    );
  }
}

/**
 * What writing `path` replaces: the file a symlink (chain) leads to, even a missing one, or
 * `special` for an existing file that is neither regular nor a directory.
 */
async function writeTarget(path: string): Promise<{ path: string; special: boolean }> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    // Missing, or a dangling symlink: os.Create would create the link's target.
    let p = path;
    for (let hops = 0; hops < 40; hops++) {
      try {
        if (!(await Deno.lstat(p)).isSymlink) break;
        p = resolve(dirname(p), await Deno.readLink(p));
      } catch {
        break;
      }
    }
    return { path: p, special: false };
  }
  if (!st.isFile && !st.isDirectory) return { path, special: true };
  if (st.isFile && (await Deno.lstat(path)).isSymlink) {
    return { path: await Deno.realPath(path), special: false };
  }
  return { path, special: false };
}

/** A short description of a filesystem error ("does not exist", "permission denied"). */
export function describeFsError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "does not exist";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.AlreadyExists) return "already exists";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  if (e instanceof Deno.errors.NotADirectory) return "a path component is not a directory";
  return e instanceof Error ? e.message : String(e);
}

function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? p : p.slice(i + 1);
}

/**
 * Temporary files that show whether their writer is alive. A file written "atomically" goes to
 * `.<name>.tmp-<random>` next to its target and is renamed over it when complete; the writer
 * holds an exclusive lock (flock) on the temporary file from creation until the rename or its
 * removal. The kernel drops that lock when the process ends, however it ends (SIGKILL, a crash,
 * a power cut), so {@link removeOrphanTemps} can tell the leftovers of a dead writer (unlocked:
 * removed) from another live process's file in progress (locked: left alone), without guessing
 * from ages or process IDs (which another PID namespace sharing the directory would reuse).
 */
import { join } from "./posix_path.ts";

/** `.<target name>.tmp-<8 hex>`: the names {@link removeOrphanTemps} may remove. */
const TEMP_NAME = /^\.(.+)\.tmp-[0-9a-f]{8}$/;

/** Whether `name` is a temporary file's (of this module's writers: a live one, or an orphan). */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** A locked temporary file that becomes `target` on {@link commit}. */
export class OwnedTemp {
  #closed = false;

  private constructor(readonly path: string, readonly target: string, readonly file: Deno.FsFile) {}

  /**
   * Creates and locks a fresh temporary file next to `target` (with `mode`, less the umask).
   * Throws the filesystem's error when it cannot be created.
   */
  static async create(target: string, mode = 0o644): Promise<OwnedTemp> {
    const slash = target.lastIndexOf("/");
    const dir = slash < 0 ? "." : target.slice(0, slash) || "/";
    const name = target.slice(slash + 1);
    for (let attempt = 0;; attempt++) {
      const path = join(dir, `.${name}.tmp-${crypto.randomUUID().slice(0, 8)}`);
      const file = await Deno.open(path, { write: true, createNew: true, mode });
      if (await lockOwn(file, path)) return new OwnedTemp(path, target, file);
      file.close(); // a sweeper took it between creation and lock: take another name
      if (attempt === 3) throw new Error(`${path} keeps disappearing`);
    }
  }

  /** Appends all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length;) off += await this.file.write(bytes.subarray(off));
  }

  /** Renames the file over its target (still locked, so no sweeper takes it), then closes it. */
  async commit(): Promise<void> {
    try {
      await Deno.rename(this.path, this.target);
    } finally {
      this.#close();
    }
  }

  /** Closes and removes the file (when writing failed or was cancelled). */
  async discard(): Promise<void> {
    this.#close();
    await Deno.remove(this.path).catch(() => {});
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.file.close();
    } catch { /* already closed */ }
  }
}

/**
 * Takes the lock of a just created temporary file; false when a sweeper removed the file before
 * (it found it unlocked). A filesystem without locks gives an unlocked file, which sweepers
 * there cannot lock either, and so leave alone.
 */
async function lockOwn(file: Deno.FsFile, path: string): Promise<boolean> {
  try {
    await file.lock(true);
  } catch {
    return true;
  }
  try {
    return (await Deno.stat(path)).ino === (await file.stat()).ino;
  } catch {
    return false;
  }
}

/**
 * Removes the temporary files in `dir` whose writer has gone (of the target named `target`
 * only, when given): those no process holds locked. Returns how many were removed; a
 * directory that cannot be read removes nothing.
 */
export async function removeOrphanTemps(dir: string, target?: string): Promise<number> {
  let removed = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = TEMP_NAME.exec(e.name);
      if (!m || !e.isFile || (target !== undefined && m[1] !== target)) continue;
      if (await removeIfOrphan(join(dir, e.name))) removed++;
    }
  } catch {
    // unreadable or gone: nothing to clean
  }
  return removed;
}

/** Removes `path` if no process holds its lock (the sweeper's lock is held while removing). */
async function removeIfOrphan(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return false;
  }
  try {
    if (!(await file.tryLock(true))) return false;
    // Still the same file at that name (not renamed into place meanwhile and replaced)?
    if ((await Deno.stat(path)).ino !== (await file.stat()).ino) return false;
    await Deno.remove(path);
    return true;
  } catch {
    return false;
  } finally {
    file.close();
  }
}

/**
 * Where `go build` writes a binary. A path that stays the same from one run to the next lets
 * `go build` see that the file is already up to date and skip the link step: a warm rebuild of a
 * small program drops from ~150-200 ms (relink into a fresh temp dir, what ko does) to ~50 ms.
 * So outputs live in a stable directory per import path and platform — `$KOCACHE/bin/…` when
 * KOCACHE is set (as ko), else under the user cache directory — and an exclusive file lock
 * keeps concurrent ko processes from writing the same output at once.
 */
import { join } from "../util/posix_path.ts";
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform } from "../oci/platform.ts";
import { describeFsError } from "../util/atomic_file.ts";
import { debug } from "../util/log.ts";

/** The user cache directory for build outputs, or undefined when there is no home. */
export function defaultOutputRoot(env: Readonly<Record<string, string>>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  return base ? join(base, "ko-ts", "bin") : undefined;
}

/** `<root>/<import path>/<platform>`, ko's layout (`linux/arm/v7`, `windows/amd64:10.0.20348`). */
export function outputDirFor(root: string, importPath: string, platform: Platform): string {
  return join(root, importPath, formatPlatform(platform));
}

/**
 * {@link outputDirFor}, created and writable; undefined (logged at debug level) when it cannot
 * be, so that a read-only or missing home directory (containers, CI users) does not fail the
 * build, which then writes to a temporary directory as ko does.
 */
export async function usableOutputDir(
  root: string,
  importPath: string,
  platform: Platform,
): Promise<string | undefined> {
  const dir = outputDirFor(root, importPath, platform);
  try {
    await Deno.mkdir(dir, { recursive: true });
    (await Deno.open(join(dir, ".lock"), { create: true, write: true })).close();
    return dir;
  } catch (e) {
    debug(`cannot keep the build output in ${dir} (${describeFsError(e)}); using a temp dir`);
    return undefined;
  }
}

/** A kept output directory, created and locked for this process until `release` is called. */
export interface LockedDir {
  readonly path: string;
  release(): void;
}

/** Creates `dir` if needed and takes an exclusive lock on `dir/.lock` (waits for others). */
export async function lockOutputDir(dir: string): Promise<LockedDir> {
  await Deno.mkdir(dir, { recursive: true });
  const file = await Deno.open(join(dir, ".lock"), { create: true, write: true });
  try {
    await file.lock(true);
  } catch (e) {
    file.close();
    throw e;
  }
  return {
    path: dir,
    release: () => {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}

/**
 * Where `go build` writes a binary. A path that stays the same from one run to the next lets
 * `go build` see that the file is already up to date and skip the link step, which a build
 * into a fresh temp dir (what ko does) always repeats.
 * So outputs live in a stable directory per import path and platform — `$KOCACHE/bin/…` when
 * KOCACHE is set (as ko), else under the user cache directory — and an exclusive file lock
 * keeps concurrent ko processes from writing the same output at once.
 */
import { join } from "../util/posix_path.ts";
import type { HeldLock } from "../go/go_runner.ts";
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform } from "../oci/platform.ts";
import { describeFsError } from "../util/atomic_file.ts";
import { debug } from "../util/log.ts";
import { KoError } from "../util/errors.ts";

/**
 * The user cache directory for build outputs, or undefined when there is no home. Only an
 * absolute one: `go build -o` runs in the build's `dir`, so a relative root would name another
 * file for go than for us (and Go, like the XDG spec, rejects a relative `XDG_CACHE_HOME`).
 */
export function defaultOutputRoot(env: Readonly<Record<string, string>>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  return base?.startsWith("/") ? join(base, "ko-ts", "bin") : undefined;
}

/** `<root>/<import path>/<platform>`, ko's layout (`linux/arm/v7`, `windows/amd64:10.0.20348`). */
function outputDirFor(root: string, importPath: string, platform: Platform): string {
  return join(root, importPath, formatPlatform(platform));
}

/**
 * Where one run keeps its `go build` outputs: under `root` (`$KOCACHE/bin`, or the user cache
 * directory's), or nowhere (each build then writes into a temporary directory, as ko does).
 */
export class OutputDirs {
  /**
   * `strict`: a directory that cannot be made is an error (KOCACHE: the user asked for it);
   * otherwise it is logged at debug level and the build falls back to a temporary directory,
   * so that a read-only or missing home (containers, CI users) does not fail the build.
   */
  constructor(readonly root: string | undefined, private readonly strict = false) {}

  /** The kept directory for a package and platform, without touching the disk. */
  dirFor(importPath: string, platform: Platform): string | undefined {
    return this.root === undefined ? undefined : outputDirFor(this.root, importPath, platform);
  }

  /** {@link dirFor}, created with its lock file; undefined when there is none to use. */
  async prepare(importPath: string, platform: Platform): Promise<string | undefined> {
    const dir = this.dirFor(importPath, platform);
    if (dir === undefined) return undefined;
    try {
      await Deno.mkdir(dir, { recursive: true });
      (await Deno.open(join(dir, ".lock"), { create: true, write: true })).close();
      return dir;
    } catch (e) {
      if (this.strict) {
        throw new KoError(`creating KOCACHE bin dir ${dir}: ${describeFsError(e)}`, { cause: e });
      }
      debug(`cannot keep the build output in ${dir} (${describeFsError(e)}); using a temp dir`);
      return undefined;
    }
  }
}

/**
 * Creates `dir` if needed and takes an exclusive lock on `dir/.lock` (waits for others, calling
 * `onWait` once after `waitNoticeMs`, default 1 s); then removes a kept `out` that `go build`
 * would refuse to overwrite (see {@link isGoObject}).
 */
export async function lockOutputDir(
  dir: string,
  opts: { onWait?: () => void; waitNoticeMs?: number } = {},
): Promise<HeldLock> {
  // Synchronous but for the lock itself: a start-up build waits on nothing else.
  Deno.mkdirSync(dir, { recursive: true });
  const file = Deno.openSync(join(dir, ".lock"), { create: true, write: true });
  // Another ko process holding the lock may take long (its go build): say why we wait.
  const notice = opts.onWait && setTimeout(opts.onWait, opts.waitNoticeMs ?? 1000);
  // (The first use of the timer functions costs a few milliseconds: not for nothing.)
  const stopNotice = () => notice !== undefined && clearTimeout(notice);
  try {
    await file.lock(true);
    stopNotice();
    removeUnusableOutput(join(dir, "out"));
  } catch (e) {
    stopNotice();
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

/**
 * The starts of the files `go build -o` overwrites (cmd/go's object magic numbers: archives,
 * ELF, Mach-O, PE, Plan 9, WASM, XCOFF). A non-empty file starting otherwise, or a directory,
 * makes it fail with `build output "…" already exists and is not an object file`.
 */
const GO_OBJECT_MAGIC: readonly (readonly number[])[] = [
  [0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a],
  [0x3c, 0x62, 0x69, 0x67, 0x61, 0x66, 0x3e, 0x0a],
  [0x7f, 0x45, 0x4c, 0x46],
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00],
  [0x4d, 0x5a, 0x78, 0x00, 0x01, 0x00],
  [0x00, 0x00, 0x01, 0xeb],
  [0x00, 0x00, 0x8a, 0x97],
  [0x00, 0x00, 0x06, 0x47],
  [0x00, 0x61, 0x73, 0x6d],
  [0x01, 0xdf],
  [0x01, 0xf7],
];

/** Whether `head` (a file's first bytes) starts like a file `go build -o` may overwrite. */
export function isGoObject(head: Uint8Array): boolean {
  return GO_OBJECT_MAGIC.some((m) => m.length <= head.length && m.every((b, i) => head[i] === b));
}

/**
 * Removes a kept output that would make every later `go build` into it fail (garbage, a
 * directory): it is only a cache, and `go build` writes it anew.
 */
function removeUnusableOutput(out: string): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(out);
  } catch {
    return; // absent (or unreadable: go build reports it)
  }
  if (st.isFile) {
    if (st.size === 0) return;
    const f = Deno.openSync(out, { read: true });
    try {
      const head = new Uint8Array(8);
      let n = 0;
      while (n < head.length) {
        const r = f.readSync(head.subarray(n));
        if (r === null) break;
        n += r;
      }
      if (isGoObject(head.subarray(0, n))) return;
    } finally {
      f.close();
    }
  }
  debug(`${out} is not a Go build output; removing it`);
  Deno.removeSync(out, { recursive: true });
}

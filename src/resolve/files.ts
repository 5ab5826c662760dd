/**
 * Enumerating the `-f` inputs of resolve, apply and create: files, directories and `-`
 * (stdin), in the order given. Directories are walked like Go's `filepath.Walk` — entries in
 * byte order of their names, depth-first — taking `.yaml`, `.yml` and `.json` files (ko
 * skips `.yml`; we do not; the match ignores case). Subdirectories are entered only with
 * `-R`. A path named explicitly is always taken, whatever its extension.
 *
 * Differences from ko, on purpose: a missing path is a KoError rather than an abrupt
 * `log.Fatalf`; a symlink named with `-f` is followed (ko's Walk would hand a linked
 * directory to the YAML reader); inside a directory a symlink to a file is taken like a file
 * and a symlink to a directory is not followed (as Walk); URLs are rejected with a clear
 * error (ko's help mentions them but they never worked); `-` may be given once only.
 */
import { join, resolve } from "node:path";
import { compareUtf8 } from "../oci/go_json.ts";
import { errorMessage, KoError } from "../util/errors.ts";

/** The name standing for standard input. */
export const STDIN = "-";

/** Options of {@link enumerateFiles}. */
interface EnumerateOptions {
  /** Also walk subdirectories of directories given explicitly (`-R`). */
  recursive: boolean;
  /** Relative paths are read from here (default: the process's working directory); names stay as given. */
  cwd?: string;
}

const YAML_EXTENSION = /\.(ya?ml|json)$/i;
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Lists the files to read, in output order. `-` is passed through for stdin.
 *
 * @example
 * ```ts
 * await enumerateFiles(["config/", "-"], { recursive: true });
 * // ["config/a.yaml", "config/sub/b.yml", "-"]
 * ```
 */
export async function enumerateFiles(
  inputs: readonly string[],
  options: EnumerateOptions,
): Promise<string[]> {
  const files: string[] = [];
  const at = (path: string) => options.cwd ? resolve(options.cwd, path) : path;
  let sawStdin = false;
  for (const input of inputs) {
    if (input === STDIN) {
      if (sawStdin) {
        throw new KoError(`-f - is given more than once: standard input can be read only once`);
      }
      sawStdin = true;
      files.push(input);
      continue;
    }
    if (URL_LIKE.test(input)) {
      throw new KoError(
        `-f ${JSON.stringify(input)}: URLs are not supported: download the file and pass its path`,
      );
    }
    if (input === "") throw new KoError(`-f "": an empty path is not a file or directory`);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(at(input));
    } catch (err) {
      throw new KoError(`-f ${JSON.stringify(input)}: ${fsProblem(err)}`, { cause: err });
    }
    if (info.isDirectory) await walk(input, options.recursive, files, at);
    else files.push(input);
  }
  return files;
}

async function walk(
  dir: string,
  recursive: boolean,
  out: string[],
  at: (path: string) => string,
): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(at(dir)));
  } catch (err) {
    throw new KoError(
      `error enumerating files: reading directory ${JSON.stringify(dir)}: ${fsProblem(err)}`,
      { cause: err },
    );
  }
  entries.sort((a, b) => compareUtf8(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      if (recursive) await walk(path, recursive, out, at);
      continue;
    }
    if (!YAML_EXTENSION.test(entry.name)) continue;
    if (entry.isSymlink && await isDirectory(at(path))) continue;
    out.push(path);
  }
}

/** Whether a path resolves to a directory; false for broken links (reading them reports it). */
async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** A short description of a file-system error. */
export function fsProblem(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file or directory";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.IsADirectory) return "is a directory";
  if (err instanceof Deno.errors.NotADirectory) return "not a directory";
  return errorMessage(err);
}

/**
 * File-system paths on POSIX hosts, with the semantics of Node's `path.posix` (join, resolve,
 * normalize, dirname, relative, isAbsolute). ko's own modules use this instead of `node:path`,
 * whose loading adds to every start-up (it pulls in Node compatibility). For Go's
 * slash-separated import paths see go_path.ts.
 */

/** The path separator. */
export const sep = "/";

/** Whether a path is absolute. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Resolves `.` and `..` segments and repeated slashes. Relative paths keep leading `..`
 * segments; absolute ones never go above `/`.
 */
function normalizeSegments(path: string, absolute: boolean): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else {
      out.push(part);
    }
  }
  return out;
}

/**
 * Normalizes a path like Node's `path.posix.normalize`: `.`/`..` resolved, slashes collapsed,
 * a trailing slash kept, `.` for an empty result.
 *
 * @example
 * ```ts
 * normalize("a//b/../c/"); // "a/c/"
 * ```
 */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  const body = normalizeSegments(path, absolute).join("/");
  if (absolute) return body === "" ? "/" : `/${body}${path.endsWith("/") ? "/" : ""}`;
  if (body === "") return path.endsWith("/") ? "./" : ".";
  return path.endsWith("/") ? `${body}/` : body;
}

/**
 * Joins path segments (empty ones ignored) and normalizes the result; `.` when nothing is left.
 *
 * @example
 * ```ts
 * join("/a", "b/", "../c"); // "/a/c"
 * ```
 */
export function join(...paths: string[]): string {
  const parts = paths.filter((p) => p !== "");
  return parts.length === 0 ? "." : normalize(parts.join("/"));
}

/**
 * The absolute path that `paths` name when taken right to left until one is absolute, the
 * working directory first when none is; normalized, without a trailing slash.
 *
 * @example
 * ```ts
 * resolve("/work", "app", "../lib"); // "/work/lib"
 * ```
 */
export function resolve(...paths: string[]): string {
  let resolved = "";
  for (let i = paths.length - 1; i >= 0 && !isAbsolute(resolved); i--) {
    const p = paths[i]!;
    if (p === "") continue;
    resolved = resolved === "" ? p : `${p}/${resolved}`;
  }
  if (!isAbsolute(resolved)) resolved = `${Deno.cwd()}/${resolved}`;
  return `/${normalizeSegments(resolved, true).join("/")}`;
}

/**
 * The directory part of a path, like Node's `path.posix.dirname` (`.` when there is none).
 *
 * @example
 * ```ts
 * dirname("/a/b/"); // "/a"
 * ```
 */
export function dirname(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  let end = -1;
  let trailing = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (!trailing) {
        end = i;
        break;
      }
    } else {
      trailing = false;
    }
  }
  if (end === -1) return rooted ? "/" : ".";
  if (rooted && end === 1) return "//";
  return path.slice(0, end);
}

/**
 * The path from `from` to `to` (both resolved first), like Node's `path.posix.relative`; ""
 * when they are the same.
 *
 * @example
 * ```ts
 * relative("/a/b", "/a/c/d"); // "../c/d"
 * ```
 */
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter((s) => s !== "");
  const b = resolve(to).split("/").filter((s) => s !== "");
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}

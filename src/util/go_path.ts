/** Slash-separated paths as Go's `path` package handles them (image names, tar entry names). */

/** Go's `path.Base`: the last element, `.` for empty, `/` for all slashes. */
export function lastElement(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Go's `path.Join`: empty elements vanish, the rest are joined with `/` and cleaned. */
export function joinPath(...elements: string[]): string {
  const joined = elements.filter((x) => x !== "").join("/");
  return joined === "" ? "" : cleanPath(joined);
}

/** Go's `path.Clean`. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const s = (rooted ? "/" : "") + out.join("/");
  return s === "" ? (rooted ? "/" : ".") : s;
}

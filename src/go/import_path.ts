/** Go import paths: local forms (`./cmd/x`), and the import path of a directory by its go.mod. */
import { dirname, join, relative } from "../util/posix_path.ts";

/** Whether an import path is a local path (`.`, `..`, `./x`, `../x`), as Go's IsLocalImport. */
export function isLocalImport(path: string): boolean {
  return path === "." || path === ".." || path.startsWith("./") || path.startsWith("../");
}

/**
 * The import path of the package in `dir` from the nearest go.mod's `module` line, as
 * `go list` gives it for a plain module (no `go list` run: it is read synchronously, at
 * start-up); undefined when there is no go.mod or no module line.
 */
export function moduleImportPath(dir: string): string | undefined {
  for (let root = dir;; root = dirname(root)) {
    let text: string | undefined;
    try {
      text = Deno.readTextFileSync(join(root, "go.mod"));
    } catch { /* not here */ }
    if (text !== undefined) {
      const m = /^\s*module\s+("?)([^\s"]+)\1\s*(?:\/\/.*)?$/m.exec(text);
      if (!m) return undefined;
      const rel = relative(root, dir);
      return rel === "" ? m[2] : `${m[2]}/${rel}`;
    }
    if (root === "/") return undefined;
  }
}

/**
 * The static module graph of an entry point, read from the real `deno info --json`: what is
 * loaded before any of its code runs (static imports only; dynamic `import()`s are not
 * followed). Start-up tests assert on it.
 */
import { fileURLToPath } from "node:url";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

const root = new URL("../../", import.meta.url);

/**
 * The modules loaded when `entry` (a path from the repository root) is imported: repository
 * files as root-relative paths (`src/cli/main.ts`), others as specifiers (`npm:…`, `node:…`).
 */
export async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: fileURLToPath(root),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: ModuleInfo[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    const s = info.redirects[specifier] ?? specifier;
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) visit(d.code.specifier);
    }
  };
  for (const r of info.roots) visit(r);
  return [...seen].map((s) => s.startsWith(root.href) ? s.slice(root.href.length) : s);
}

/**
 * The static module graph of an entry point, read from the real `deno info --json`: what is
 * loaded before any of its code runs (static imports only; dynamic `import()`s are not
 * followed). Start-up tests assert on it.
 */
import { fileURLToPath } from "node:url";

interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}
interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

const root = new URL("../../", import.meta.url);

/** `deno info --json` of an entry point (a path from the repository root). */
async function denoInfo(entry: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: fileURLToPath(root),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: ModuleInfo[];
    redirects: Record<string, string>;
  };
}

/**
 * Every import between repository files reachable from `entry`, as `[from, to]` pairs of
 * root-relative paths: static, dynamic and type-only imports alike.
 */
export async function importEdges(entry: string): Promise<Array<[string, string]>> {
  const info = await denoInfo(entry);
  const local = (s: string) => s.startsWith(root.href) ? s.slice(root.href.length) : undefined;
  const edges: Array<[string, string]> = [];
  for (const m of info.modules) {
    const from = local(m.specifier);
    if (from === undefined) continue;
    for (const d of m.dependencies ?? []) {
      for (const spec of [d.code?.specifier, d.type?.specifier]) {
        const to = spec === undefined ? undefined : local(info.redirects[spec] ?? spec);
        if (to !== undefined) edges.push([from, to]);
      }
    }
  }
  return edges;
}

/**
 * The modules loaded when `entry` (a path from the repository root) is imported: repository
 * files as root-relative paths (`src/cli/main.ts`), others as specifiers (`npm:…`, `node:…`).
 */
export async function staticGraph(entry: string): Promise<string[]> {
  const info = await denoInfo(entry);
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

/**
 * Start-up cost: what `deno run main.ts` loads before any verb runs, and what `ko build`
 * loads. Each module costs start-up time on every run (the `yaml` package alone ~25 ms), so
 * verbs are loaded on demand and the `yaml` package only when a configuration file is read.
 * No `node:` module either: loading the first one starts Deno's Node compatibility layer
 * (~10 ms for node:path, ~25 ms for node:crypto or node:zlib); paths and small hashes have
 * TypeScript implementations in src/util/, and layer compression loads node:zlib and
 * node:crypto when it runs (a warm build with KOCACHE compresses nothing).
 * Checked on the real module graph (`deno info --json`), following static imports only.
 */
import { deepEqual, ok } from "node:assert/strict";
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

/** The modules loaded before any code runs when `entry` is imported. */
async function staticGraph(entry: string): Promise<string[]> {
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

Deno.test("main.ts loads no verb implementation, npm package or node: module before the verb runs", async () => {
  const graph = await staticGraph("main.ts");
  deepEqual(graph.filter((m) => m.startsWith("src/commands/")), []);
  deepEqual(graph.filter((m) => m.startsWith("npm:")), []); // no command-line library either
  deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  ok(graph.includes("src/cli/handlers.ts"));
});

Deno.test("ko build loads no npm package (yaml included), node: module or resolver", async () => {
  const graph = await staticGraph("src/commands/build.ts");
  ok(graph.includes("src/config/config_source.ts"));
  deepEqual(graph.filter((m) => m.startsWith("npm:")), []);
  deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  deepEqual(graph.filter((m) => /^src\/(resolve|kube)\//.test(m)), []);
});

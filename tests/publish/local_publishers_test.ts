/**
 * The ko.local and kind.local machinery loads only when used: a registry build's static module
 * graph (`deno info --json`) holds no Docker client, daemon or kind publisher.
 */
import { deepEqual, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = new URL("../../", import.meta.url);

async function staticModules(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: fileURLToPath(root),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: Array<{
      specifier: string;
      dependencies?: Array<{ code?: { specifier: string }; isDynamic?: boolean }>;
    }>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) visit(d.code.specifier);
    }
  };
  for (const r of info.roots) visit(r);
  return [...seen].map((s) => s.startsWith(root.href) ? s.slice(root.href.length) : s);
}

Deno.test("a build session loads the daemon and kind publishers only on demand", async () => {
  const graph = await staticModules("src/commands/session.ts");
  ok(graph.includes("src/publish/local_publishers.ts"));
  deepEqual(
    graph.filter((m) =>
      m.startsWith("src/docker/") || /src\/publish\/(daemon|kind)_publisher\.ts$/.test(m)
    ),
    [],
  );
});

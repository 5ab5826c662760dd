/**
 * The shape of the house (docs: README "Architecture"): small files, folders and files that
 * import each other in one direction only, and a short path from `main.ts` to the manifest PUT
 * of a `ko build` (traced on a real build against a real registry).
 */
import { deepEqual, ok } from "node:assert/strict";
import { importEdges } from "./helpers/module_graph.ts";
import { traceBuild } from "./helpers/trace_build.ts";

const SRC = new URL("../src/", import.meta.url).pathname;

/** Every `.ts` file under `dir`, as paths relative to the repository root. */
async function sourceFiles(dir = SRC, rel = "src"): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await sourceFiles(`${dir}${e.name}/`, `${rel}/${e.name}`));
    else if (e.name.endsWith(".ts")) out.push(`${rel}/${e.name}`);
  }
  return out;
}

/** The strongly connected groups of more than one node (Tarjan), each sorted. */
function cycles(edges: Array<[string, string]>): string[][] {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) if (a !== b) next.set(a, [...(next.get(a) ?? []), b]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return groups;
}

Deno.test("no src file is over 400 lines", async () => {
  const long: string[] = [];
  for (const file of await sourceFiles()) {
    const lines = (await Deno.readTextFile(new URL(`../${file}`, import.meta.url))).split("\n");
    if (lines.length - 1 > 400) long.push(`${file}: ${lines.length - 1} lines`);
  }
  deepEqual(long, []);
});

Deno.test("no import cycle between src files, nor between its top-level folders", async () => {
  const edges: Array<[string, string]> = [];
  for (const file of await sourceFiles()) edges.push(...await importEdges(file));
  const inSrc = edges.filter(([a, b]) => a.startsWith("src/") && b.startsWith("src/"));
  deepEqual(cycles(inSrc), [], "files");
  // src/cli/options/x.ts is in src/cli; src/version.ts in src itself.
  const folder = (f: string) => f.split("/").length > 2 ? f.split("/")[1]! : "src";
  deepEqual(cycles(inSrc.map(([a, b]) => [folder(a), folder(b)])), [], "folders");
});

Deno.test("ko build reaches the manifest PUT through at most 20 files", async () => {
  const files = ["main.ts", ...await traceBuild()];
  ok(files.length <= 20, files.join("\n"));
  // The path goes one way: command line → command → builder → publisher → registry.
  const layer = (f: string) =>
    ["cli", "commands", "build", "publish", "registry"].indexOf(f.split("/")[1] ?? "");
  const layers = files.map(layer).filter((l) => l >= 0);
  deepEqual(layers, [...layers].sort((a, b) => a - b), files.join("\n"));
});

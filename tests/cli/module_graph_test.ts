/**
 * Start-up cost: what `deno run main.ts` loads before any verb runs, and what `ko build`
 * loads. Each module costs start-up time on every run (the `yaml` package alone ~25 ms), so
 * verbs are loaded on demand and the `yaml` package only when a configuration file is read.
 * The one npm package `ko build` loads up front is @noble/hashes (a few small modules of
 * plain JavaScript, for the small hashes of a build). No `node:` module either: loading the
 * first one starts Deno's Node compatibility layer (~10 ms for node:path, ~25 ms for
 * node:crypto or node:zlib); paths have TypeScript implementations in src/util/, and layer
 * compression and hashing load node:zlib and node:crypto when they run (a warm build with
 * KOCACHE compresses nothing).
 * Checked on the real module graph (`deno info --json`), following static imports only.
 */
import { deepEqual, ok } from "node:assert/strict";
import { staticGraph } from "../helpers/module_graph.ts";

Deno.test("main.ts loads no verb implementation, npm package or node: module before the verb runs", async () => {
  // main.ts checks the Deno version first (src/version.ts only), then imports the CLI.
  deepEqual((await staticGraph("main.ts")).sort(), ["main.ts", "src/version.ts"]);
  const graph = await staticGraph("src/cli/main.ts");
  // The verbs' context and option types are all of src/commands/ the CLI needs up front.
  const verbData = ["src/commands/context.ts", "src/commands/options.ts"];
  deepEqual(graph.filter((m) => m.startsWith("src/commands/") && !verbData.includes(m)), []);
  deepEqual(graph.filter((m) => m.startsWith("npm:")), []); // no command-line library either
  deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  ok(graph.includes("src/cli/handlers.ts"));
  // Nor any verb's definition (its flags and their options modules): `ko version` and
  // `ko --help` load the command tree's names and summaries only. (version.ts, which also
  // holds the few lines of the version handler, is the exception.)
  const verbModules = [
    "apply",
    "build",
    "completion",
    "create",
    "delete",
    "deps",
    "help_command",
    "login",
    "resolve",
    "run",
  ].map((v) => `src/cli/${v}.ts`);
  deepEqual(graph.filter((m) => verbModules.includes(m) || m.startsWith("src/cli/options/")), []);
});

Deno.test("ko build loads no npm package but @noble/hashes (no yaml), node: module, resolver, template engine or optional publisher", async () => {
  const graph = await staticGraph("src/commands/build.ts");
  ok(graph.includes("src/config/config_source.ts"));
  deepEqual(graph.filter((m) => m.startsWith("npm:") && !m.startsWith("npm:/@noble/hashes@")), []);
  deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  deepEqual(graph.filter((m) => /^src\/(resolve|kube|sign)\//.test(m)), []);
  // Loaded when asked for: the template engine, the publishers other than the registry's.
  deepEqual(graph.filter((m) => /^src\/config\/template/.test(m)), []);
  deepEqual(
    graph.filter((m) => /^src\/publish\/(layout|tarball|recording|noop|multi|signature)_/.test(m)),
    [],
  );
});

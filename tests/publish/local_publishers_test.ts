/**
 * The ko.local and kind.local machinery loads only when used: a registry build's static module
 * graph (`deno info --json`) holds no Docker client, daemon or kind publisher.
 */
import { deepEqual, ok } from "node:assert/strict";
import { staticGraph } from "../helpers/module_graph.ts";

Deno.test("a run loads the daemon and kind publishers only on demand", async () => {
  const graph = await staticGraph("src/commands/setup.ts");
  ok(graph.includes("src/publish/local_publishers.ts"));
  deepEqual(
    graph.filter((m) =>
      m.startsWith("src/docker/") || /src\/publish\/(daemon|kind)_publisher\.ts$/.test(m)
    ),
    [],
  );
});

/**
 * prefetchGoList against a real Go module: `ko build`'s import paths are listed ahead of the
 * build (into the memo the builder reads), unless a configuration file with `builds` may send
 * `go list` elsewhere.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { prefetchGoList } from "../../src/build/go_list_prefetch.ts";
import { goList } from "../../src/build/go_list.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { tempDir } from "../helpers/tools.ts";

const MAIN = 'package main\n\nfunc main() { println("hi") }\n';

Deno.test("prefetchGoList lists build arguments ahead, unless a config may redirect them", async (t) => {
  await using tmp = await tempDir();
  const app = await writeGoApp(join(tmp.path, "app"), {
    module: "example.com/pf",
    files: { "cmd/a/main.go": MAIN, "cmd/b/main.go": MAIN },
  });

  await t.step("local, plain and ko:// arguments, each once; the builder reuses them", async () => {
    const started = prefetchGoList(app, {}, [
      "./cmd/a",
      "ko://example.com/pf/cmd/b",
      "./cmd/a",
      "example.com/pf/cmd/b",
    ]);
    deepEqual([...started.keys()], ["./cmd/a", "example.com/pf/cmd/b"]);
    const [a] = (await started.get("./cmd/a"))!;
    equal(a!.ImportPath, "example.com/pf/cmd/a");
    // The very promise the builder's `go list` gets: nothing runs twice.
    const memo = goList(app, ["./cmd/a"]);
    equal(await memo, await started.get("./cmd/a"));
  });

  await t.step("a bad path never rejects: the build reports it", async () => {
    const started = prefetchGoList(app, {}, ["./nope"]);
    const result = await started.get("./nope");
    ok(result === undefined || result[0]?.Error !== undefined);
  });

  await t.step("not with a config file that has builds", async () => {
    await Deno.writeTextFile(join(app, ".ko.yaml"), "builds:\n- id: a\n  dir: cmd\n  main: ./a\n");
    equal(prefetchGoList(app, {}, ["./cmd/a"]).size, 0);
    const elsewhere = join(tmp.path, "conf.yaml");
    await Deno.writeTextFile(elsewhere, "Builds: []\n");
    await Deno.remove(join(app, ".ko.yaml"));
    equal(prefetchGoList(app, { KO_CONFIG_PATH: elsewhere }, ["./cmd/a"]).size, 0);
    equal(prefetchGoList(app, { KO_CONFIG_PATH: join(tmp.path, "missing") }, ["./a"]).size, 0);
  });

  await t.step("with a config file without builds", async () => {
    await Deno.writeTextFile(join(app, ".ko.yaml"), "defaultBaseImage: scratch\n");
    const started = prefetchGoList(app, {}, ["./cmd/b"]);
    equal(started.size, 1);
    await Promise.all(started.values());
  });
});

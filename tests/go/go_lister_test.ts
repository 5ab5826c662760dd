/**
 * The run's `go list` (src/go/go_lister.ts) with the real go command, seen through a `go` on
 * PATH that logs each invocation: at most `jobs` run at once, import paths that wait for a
 * slot together are listed by one `go list`, and each still gets its own answer (an unknown
 * one its own error).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { GoLister } from "../../src/go/go_lister.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { tempDir } from "../helpers/tools.ts";

const MAIN = 'package main\n\nfunc main() { println("x") }\n';
const realGo = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOROOT"], stdout: "piped" }).outputSync().stdout,
).trim() + "/bin/go";

Deno.test("import paths waiting for a go list slot together are listed by one go list", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/m",
    files: { "a/main.go": MAIN, "b/main.go": MAIN, "c/main.go": MAIN, "d/main.go": MAIN },
  });
  const bin = join(tmp.path, "bin");
  const log = join(tmp.path, "go.log");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "go"),
    `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGo}' "$@"\n`,
  );
  await Deno.chmod(join(bin, "go"), 0o755);
  const env = {
    PATH: `${bin}:${Deno.env.get("PATH")}`,
    HOME: Deno.env.get("HOME") ?? "",
    GOFLAGS: "-mod=mod",
  };
  const lister = new GoLister(undefined, 1);
  const paths = ["a", "b", "c", "d", "missing"].map((p) => `example.com/m/${p}`);
  const answers = await Promise.all(paths.map((p) => lister.list(src, [p], env)));

  for (const [i, p] of paths.slice(0, 4).entries()) {
    equal(answers[i]!.length, 1);
    equal(answers[i]![0]!.ImportPath, p);
    equal(answers[i]![0]!.Name, "main");
    equal(answers[i]![0]!.Dir, join(src, p.split("/").at(-1)!));
  }
  ok(answers[4]!.every((pkg) => pkg.Error !== undefined), JSON.stringify(answers[4]));
  // The first took the one slot at once; the others waited and went together.
  const calls = (await Deno.readTextFile(log)).trim().split("\n");
  equal(calls.length, 2, calls.join("\n"));
  ok(calls[0]!.endsWith("-- example.com/m/a"), calls[0]);
  ok(calls[1]!.endsWith(`-- ${paths.slice(1).join(" ")}`), calls[1]);
  // Asked again, nothing runs.
  deepEqual(await lister.list(src, [paths[2]!], env), answers[2]);
  equal((await Deno.readTextFile(log)).trim().split("\n").length, 2);
});

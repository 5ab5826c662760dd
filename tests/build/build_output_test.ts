/**
 * The kept build-output directories (src/build/build_output.ts): a kept `out` that `go build`
 * would refuse to overwrite is removed when the directory is locked, so one bad file does not
 * fail every later build; a real Go binary or an empty file is left for go build to reuse.
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { defaultOutputRoot, isGoObject, lockOutputDir } from "../../src/build/build_output.ts";
import { goBuildFixture, run, tempDir } from "../helpers/tools.ts";

const MAIN = 'package main\n\nfunc main() { println("kept") }\n';

Deno.test("locking a kept output dir clears an out that go build cannot overwrite", async () => {
  await using tmp = await tempDir();
  const src = join(tmp.path, "src");
  await Deno.mkdir(src);
  await Deno.writeTextFile(join(src, "go.mod"), "module example.com/kept\n\ngo 1.22\n");
  await Deno.writeTextFile(join(src, "main.go"), MAIN);
  const dir = join(tmp.path, "bin/example.com/kept/linux/amd64");
  const out = join(dir, "out");
  const goBuild = () =>
    run("go", ["build", "-trimpath", "-o", out, "."], {
      cwd: src,
      env: { CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false", GOOS: "linux", GOARCH: "amd64" },
    });

  for (const bad of ["garbage\n", "dir"]) {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(out).catch(() => {}); // the binary the step before built
    if (bad === "dir") await Deno.mkdir(join(out, "x"), { recursive: true });
    else await Deno.writeTextFile(out, bad);
    const lock = await lockOutputDir(dir);
    try {
      const r = await goBuild();
      equal(r.code, 0, r.stderr);
    } finally {
      lock.release();
    }
    ok((await Deno.stat(out)).isFile);
  }

  // A Go binary (and an empty file, which go build overwrites) stays.
  const before = await Deno.stat(out);
  (await lockOutputDir(dir)).release();
  equal((await Deno.stat(out)).ino, before.ino);
  await Deno.writeFile(out, new Uint8Array());
  (await lockOutputDir(dir)).release();
  equal((await Deno.stat(out)).size, 0);

  const elf = await Deno.readFile(await goBuildFixture(tmp.path, MAIN));
  const pe = await Deno.readFile(
    await goBuildFixture(tmp.path, MAIN, { goos: "windows", name: "w" }),
  );
  ok(isGoObject(elf.subarray(0, 8)) && isGoObject(pe.subarray(0, 8)));
  ok(!isGoObject(new TextEncoder().encode("#!/bin/sh")) && !isGoObject(new Uint8Array([0x7f])));
});

Deno.test("the kept outputs' root is absolute or none", () => {
  equal(defaultOutputRoot({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/ko-ts/bin");
  equal(defaultOutputRoot({ HOME: "/h" }), "/h/.cache/ko-ts/bin");
  equal(defaultOutputRoot({}), undefined);
  // go build -o runs in the build's dir: a relative root would be another file for go.
  equal(defaultOutputRoot({ XDG_CACHE_HOME: "rel", HOME: "/h" }), undefined);
  equal(defaultOutputRoot({ HOME: "rel" }), undefined);
});

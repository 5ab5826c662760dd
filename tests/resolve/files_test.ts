import { deepEqual, rejects } from "node:assert/strict";
import { join } from "node:path";
import { enumerateFiles } from "../../src/resolve/files.ts";
import { KoError } from "../../src/util/errors.ts";

const TREE = new URL("../testdata/resolve/tree", import.meta.url).pathname;

Deno.test("enumerateFiles takes .yaml, .yml and .json files of a directory in byte order", async () => {
  deepEqual(await enumerateFiles([TREE], { recursive: false }), [
    join(TREE, "Upper.yaml"),
    join(TREE, "a.yaml"),
    join(TREE, "b.yml"),
    join(TREE, "c.json"),
    join(TREE, "z.yaml"),
  ]);
});

Deno.test("enumerateFiles with -R walks subdirectories depth-first where they sort", async () => {
  deepEqual(await enumerateFiles([TREE], { recursive: true }), [
    join(TREE, "Upper.yaml"),
    join(TREE, "a.yaml"),
    join(TREE, "b.yml"),
    join(TREE, "c.json"),
    join(TREE, "sub/deeper/f.YAML"),
    join(TREE, "sub/e.yaml"),
    join(TREE, "z.yaml"),
  ]);
});

Deno.test("enumerateFiles keeps -f order, passes - through and takes named files whatever their extension", async () => {
  const txt = join(TREE, "d.txt");
  deepEqual(
    await enumerateFiles([txt, "-", join(TREE, "sub")], { recursive: false }),
    [txt, "-", join(TREE, "sub/e.yaml")],
  );
});

Deno.test("enumerateFiles names paths like Go's filepath.Join (cleaned)", async () => {
  const cwd = Deno.cwd();
  try {
    Deno.chdir(TREE);
    deepEqual(await enumerateFiles(["./sub/"], { recursive: true }), [
      "sub/deeper/f.YAML",
      "sub/e.yaml",
    ]);
    deepEqual(await enumerateFiles(["."], { recursive: false }), [
      "Upper.yaml",
      "a.yaml",
      "b.yml",
      "c.json",
      "z.yaml",
    ]);
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("enumerateFiles with cwd reads relative paths from there and names them as given", async () => {
  const parent = join(TREE, "..");
  deepEqual(
    await enumerateFiles(["tree/sub", "tree/a.yaml"], { recursive: true, cwd: parent }),
    ["tree/sub/deeper/f.YAML", "tree/sub/e.yaml", "tree/a.yaml"],
  );
  await rejects(
    enumerateFiles(["tree/nope.yaml"], { recursive: false, cwd: parent }),
    (e: unknown) =>
      e instanceof KoError && e.message === '-f "tree/nope.yaml": no such file or directory',
  );
});

Deno.test("enumerateFiles reports a missing path as a KoError naming it", async () => {
  await rejects(
    enumerateFiles([join(TREE, "nope.yaml")], { recursive: false }),
    (err: unknown) =>
      err instanceof KoError &&
      err.message === `-f ${JSON.stringify(join(TREE, "nope.yaml"))}: no such file or directory`,
  );
});

Deno.test("enumerateFiles rejects URLs with a clear message", async () => {
  await rejects(
    enumerateFiles(["https://example.com/app.yaml"], { recursive: false }),
    new KoError(
      `-f "https://example.com/app.yaml": URLs are not supported: download the file and pass its path`,
    ),
  );
});

Deno.test("enumerateFiles accepts stdin only once", async () => {
  await rejects(
    enumerateFiles(["-", "-"], { recursive: false }),
    /-f - is given more than once/,
  );
});

Deno.test("enumerateFiles follows a named symlink and, inside directories, links to files only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-resolve-files-" });
  try {
    await Deno.mkdir(join(dir, "real"));
    await Deno.writeTextFile(join(dir, "real", "x.yaml"), "a: 1\n");
    await Deno.mkdir(join(dir, "top"));
    await Deno.symlink(join(dir, "real", "x.yaml"), join(dir, "top", "link.yaml"));
    await Deno.symlink(join(dir, "real"), join(dir, "top", "dirlink.yaml"));
    await Deno.symlink(join(dir, "real"), join(dir, "named"));
    // A link to a directory is not followed during a walk, even with -R.
    deepEqual(await enumerateFiles([join(dir, "top")], { recursive: true }), [
      join(dir, "top", "link.yaml"),
    ]);
    // A link named with -f is followed.
    deepEqual(await enumerateFiles([join(dir, "named")], { recursive: false }), [
      join(dir, "named", "x.yaml"),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

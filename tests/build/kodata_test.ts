import { deepEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import { kodataEntries, resolveAllowedRoot, withinRoot } from "../../src/build/kodata.ts";
import type { LayerEntry } from "../../src/layer/entry.ts";
import { tempDir } from "../helpers/tools.ts";

const names = (es: LayerEntry[]) => es.map((e) => `${e.type}:${e.name}`);
const LINUX = { os: "linux", mtime: 0 };

async function tree(
  root: string,
  files: Record<string, string>,
  links: Record<string, string> = {},
) {
  for (const [rel, content] of Object.entries(files)) {
    await Deno.mkdir(join(root, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, rel), content);
  }
  for (const [rel, target] of Object.entries(links)) {
    await Deno.mkdir(join(root, rel, ".."), { recursive: true });
    await Deno.symlink(target, join(root, rel));
  }
}

Deno.test("kodataEntries: a missing kodata directory gives only the parent directories", async () => {
  await using tmp = await tempDir();
  deepEqual(names(await kodataEntries(tmp.path, LINUX)), [
    "dir:/var",
    "dir:/var/run",
    "dir:/var/run/ko",
  ]);
});

Deno.test("kodataEntries walks lexically, depth first, with fixed modes and mtime", async () => {
  await using tmp = await tempDir();
  await tree(join(tmp.path, "kodata"), {
    "b.txt": "b",
    "a/z.txt": "z",
    "a/b/c.txt": "c",
    "B": "B",
  });
  const entries = await kodataEntries(tmp.path, { os: "linux", mtime: 1700000000 });
  deepEqual(names(entries), [
    "dir:/var",
    "dir:/var/run",
    "dir:/var/run/ko",
    "file:/var/run/ko/B",
    "dir:/var/run/ko/a",
    "dir:/var/run/ko/a/b",
    "file:/var/run/ko/a/b/c.txt",
    "file:/var/run/ko/a/z.txt",
    "file:/var/run/ko/b.txt",
  ]);
  for (const e of entries) {
    equal(e.mode, 0o555);
    equal(e.mtime, 1700000000);
  }
});

Deno.test("kodataEntries follows symlinks inside the root (files and directories)", async () => {
  await using tmp = await tempDir();
  await tree(join(tmp.path, "kodata"), { "real/x.txt": "x", "f.txt": "f" }, {
    "dirlink": "real",
    "filelink": "f.txt",
  });
  const entries = await kodataEntries(tmp.path, LINUX);
  deepEqual(names(entries).slice(3), [
    "dir:/var/run/ko/dirlink",
    "file:/var/run/ko/dirlink/x.txt",
    "file:/var/run/ko/f.txt",
    "file:/var/run/ko/filelink",
    "dir:/var/run/ko/real",
    "file:/var/run/ko/real/x.txt",
  ]);
  const link = entries.find((e) => e.name === "/var/run/ko/filelink")!;
  equal(link.type === "file" && link.path, await Deno.realPath(join(tmp.path, "kodata", "f.txt")));
});

Deno.test("kodataEntries rejects a symlink that escapes the allowed root", async () => {
  await using tmp = await tempDir();
  await tree(tmp.path, { "secret.txt": "s" });
  await tree(join(tmp.path, "pkg", "kodata"), {}, { "leak": "../../secret.txt" });
  await rejects(
    kodataEntries(join(tmp.path, "pkg"), LINUX),
    /kodata symlink ".*leak" resolves to ".*secret\.txt" which is outside the allowed root ".*kodata"/,
  );
});

Deno.test("kodataEntries allows links within the git worktree or KO_DATA_PATH_ALLOWED_ROOT", async () => {
  await using tmp = await tempDir();
  await tree(tmp.path, { "LICENSE": "license", ".git/HEAD": "ref" });
  await tree(join(tmp.path, "cmd", "app", "kodata"), {}, { "LICENSE": "../../../LICENSE" });
  const viaGit = await kodataEntries(join(tmp.path, "cmd", "app"), LINUX);
  deepEqual(names(viaGit).at(-1), "file:/var/run/ko/LICENSE");

  await Deno.remove(join(tmp.path, ".git"), { recursive: true });
  await rejects(kodataEntries(join(tmp.path, "cmd", "app"), LINUX), /outside the allowed root/);
  const viaEnv = await kodataEntries(join(tmp.path, "cmd", "app"), {
    ...LINUX,
    allowedRootOverride: tmp.path,
  });
  deepEqual(names(viaEnv).at(-1), "file:/var/run/ko/LICENSE");
});

Deno.test("kodataEntries follows a symlinked kodata directory inside the root (ko ignores it)", async () => {
  await using tmp = await tempDir();
  await tree(tmp.path, { "assets/a.txt": "a", ".git/HEAD": "ref" });
  await tree(join(tmp.path, "cmd"), {}, { "kodata": "../assets" });
  deepEqual(names(await kodataEntries(join(tmp.path, "cmd"), LINUX)).slice(3), [
    "file:/var/run/ko/a.txt",
  ]);
});

Deno.test("kodataEntries reports a symlink cycle instead of recursing forever", async () => {
  await using tmp = await tempDir();
  await tree(join(tmp.path, "kodata"), { "d/x": "x" }, { "d/loop": "." });
  await rejects(kodataEntries(tmp.path, LINUX), /makes a cycle/);
});

Deno.test("kodataEntries for Windows uses Files/ paths, the rawsd record and skips symlinks", async () => {
  await using tmp = await tempDir();
  await tree(join(tmp.path, "kodata"), { "a.txt": "a" }, { "link": "a.txt" });
  const entries = await kodataEntries(tmp.path, { os: "windows", mtime: 0 });
  deepEqual(names(entries), [
    "dir:Hives",
    "dir:Files",
    "dir:Files/var",
    "dir:Files/var/run",
    "dir:Files/var/run/ko",
    "file:Files/var/run/ko/a.txt",
  ]);
  equal(Object.keys(entries.at(-1)!.paxRecords ?? {}).join(), "MSWINDOWS.rawsd");
});

Deno.test("withinRoot and resolveAllowedRoot", async () => {
  equal(withinRoot("/a/b", "/a"), true);
  equal(withinRoot("/a", "/a"), true);
  equal(withinRoot("/ab", "/a"), false);
  equal(withinRoot("/", "/a"), false);
  await using tmp = await tempDir();
  const kodata = join(tmp.path, "x", "kodata");
  await Deno.mkdir(kodata, { recursive: true });
  const real = await Deno.realPath(kodata);
  equal(
    await resolveAllowedRoot(real, { ...LINUX, allowedRootOverride: "/nonexistent/elsewhere" }),
    real,
  );
});

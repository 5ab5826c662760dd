/**
 * Locked temporary files (src/util/owned_temp.ts) and atomic writes on the real filesystem: a
 * live writer's temporary file, in this process or another, is left alone; the one of a
 * process that was SIGKILLed is removed; other files are never touched; a cancelled write
 * leaves nothing.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OwnedTemp, removeOrphanTemps } from "../../src/util/owned_temp.ts";
import { removeOrphanedWrites, writeFileAtomic } from "../../src/util/atomic_file.ts";
import { tempDir } from "../helpers/tools.ts";

const HOLD_TEMP = fileURLToPath(new URL("./fixtures/hold_temp.ts", import.meta.url));

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("another process's temporary file is kept while it lives and removed once it is killed", async () => {
  await using tmp = await tempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HOLD_TEMP, join(tmp.path, "img.tar")],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value;
  }
  const path = out.trim();
  ok(path.startsWith(join(tmp.path, ".img.tar.tmp-")), path);
  try {
    equal(await removeOrphanTemps(tmp.path), 0);
    equal(await Deno.readTextFile(path), "partial");
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
  }
  equal(await removeOrphanedWrites(join(tmp.path, "img.tar")), undefined);
  deepEqual(await names(tmp.path), []);
});

Deno.test("this process's own temporary file in progress is left alone", async () => {
  await using tmp = await tempDir();
  const target = join(tmp.path, "out");
  const temp = await OwnedTemp.create(target);
  await temp.write(new TextEncoder().encode("abc"));
  equal(await removeOrphanTemps(tmp.path), 0);
  await temp.commit();
  deepEqual(await names(tmp.path), ["out"]);
  equal(await Deno.readTextFile(target), "abc");
  const discarded = await OwnedTemp.create(target);
  await discarded.discard();
  deepEqual(await names(tmp.path), ["out"]);
});

Deno.test("only unlocked temporary files of the expected names are removed", async () => {
  await using tmp = await tempDir();
  const keep = [
    "img.tar",
    "img.tar.tmp-0123abcd", // not hidden: not one of ours
    ".img.tar.tmp-xyz", // not 8 hex digits
    ".img.tar.tmp-0123abcd.bak",
  ];
  for (const n of keep) await Deno.writeTextFile(join(tmp.path, n), n);
  await Deno.mkdir(join(tmp.path, ".dir.tmp-0123abcd")); // a directory
  // Orphans (nobody holds them): one of img.tar, one of another target.
  await Deno.writeTextFile(join(tmp.path, ".img.tar.tmp-89abcdef"), "orphan");
  await Deno.writeTextFile(join(tmp.path, ".other.tmp-89abcdef"), "orphan");
  equal(await removeOrphanTemps(tmp.path, "img.tar"), 1);
  ok(!(await names(tmp.path)).includes(".img.tar.tmp-89abcdef"));
  equal(await removeOrphanTemps(tmp.path), 1);
  deepEqual(await names(tmp.path), [...keep, ".dir.tmp-0123abcd"].sort());
  equal(await removeOrphanTemps(join(tmp.path, "missing")), 0);
});

Deno.test("a cancelled atomic write leaves the old file and no temporary file", async () => {
  await using tmp = await tempDir();
  const target = join(tmp.path, "out.tar");
  await Deno.writeTextFile(target, "old");
  const controller = new AbortController();
  const reason = new DOMException("terminated", "AbortError");
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new Uint8Array(1024));
      controller.abort(reason); // as SIGTERM arriving mid-write
    },
  });
  await rejects(writeFileAtomic(target, stream, 0o644, controller.signal), (e) => e === reason);
  deepEqual(await names(tmp.path), ["out.tar"]);
  equal(await Deno.readTextFile(target), "old");
});

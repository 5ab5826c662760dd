/**
 * writeFileAtomic and checkWritableTarget on what users pass as output paths: a symlink is
 * followed (the link survives, its target gets the content), and a pipe such as bash's
 * `>(cmd)` or `/dev/stdout` is written in place instead of having a file renamed over it.
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { checkWritableTarget, writeFileAtomic } from "../../src/util/atomic_file.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

Deno.test("a symlinked output path keeps the link and replaces its target", async () => {
  await using tmp = await tempDir();
  const real = join(tmp.path, "real.txt");
  const link = join(tmp.path, "link.txt");
  await Deno.writeTextFile(real, "old\n");
  await Deno.symlink("real.txt", link);
  await checkWritableTarget(link, "--image-refs");
  await writeFileAtomic(link, "new\n");
  ok((await Deno.lstat(link)).isSymlink, "the link is still a link");
  equal(await Deno.readTextFile(real), "new\n");

  const dangling = join(tmp.path, "dangling.txt");
  await Deno.symlink("created.txt", dangling);
  await checkWritableTarget(dangling, "--image-refs");
  await writeFileAtomic(dangling, new TextEncoder().encode("made\n"));
  ok((await Deno.lstat(dangling)).isSymlink);
  equal(await Deno.readTextFile(join(tmp.path, "created.txt")), "made\n");
  equal([...Deno.readDirSync(tmp.path)].length, 4, "no temporary files left");
});

Deno.test("a named pipe output path is written in place", async () => {
  await using tmp = await tempDir();
  const fifo = join(tmp.path, "pipe");
  await runOk("mkfifo", [fifo]);
  await checkWritableTarget(fifo, "--tarball");
  const cat = new Deno.Command("cat", { args: [fifo], stdout: "piped" }).spawn();
  await writeFileAtomic(
    fifo,
    new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("streamed\n"));
        c.close();
      },
    }),
  );
  const replaced = !(await Deno.lstat(fifo)).isFifo;
  if (replaced) cat.kill(); // nothing will ever write to the pipe cat is waiting on
  const out = await cat.output();
  ok(!replaced, "the pipe was replaced by a file");
  equal(new TextDecoder().decode(out.stdout), "streamed\n");
  equal([...Deno.readDirSync(tmp.path)].length, 1, "no temporary files left");
});

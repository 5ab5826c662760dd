/** The tar index against archives written by GNU tar in its ustar, PAX and GNU formats. */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import { indexTar, readMember } from "../../src/docker/tar_index.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

const LONG = `${"d".repeat(120)}/${"f".repeat(90)}.txt`;

Deno.test("indexTar finds every regular file of GNU tar's formats, long names included", async () => {
  await using tmp = await tempDir();
  const src = join(tmp.path, "src");
  await Deno.mkdir(join(src, "d".repeat(120)), { recursive: true });
  await Deno.mkdir(join(src, "sub"));
  await Deno.writeTextFile(join(src, "manifest.json"), "[]");
  await Deno.writeTextFile(join(src, "sub", "layer.tar"), "x".repeat(1000));
  await Deno.writeTextFile(join(src, LONG), "long");
  await Deno.writeTextFile(join(src, "empty"), "");
  await Deno.symlink("manifest.json", join(src, "link"));
  for (const format of ["ustar", "pax", "gnu"]) {
    const archive = join(tmp.path, `${format}.tar`);
    const names = format === "ustar"
      ? ["manifest.json", "sub", "empty", "link"] // ustar cannot hold LONG's 90-char base name
      : ["manifest.json", "sub", "empty", "link", LONG];
    await runOk("tar", ["-C", src, `--format=${format}`, "-cf", archive, ...names]);
    const index = await indexTar(archive);
    const want = ["empty", "manifest.json", "sub/layer.tar", ...(format === "ustar" ? [] : [LONG])];
    deepEqual([...index.keys()].sort(), want.sort(), format);
    equal(new TextDecoder().decode(await readMember(archive, index.get("manifest.json")!)), "[]");
    equal((await readMember(archive, index.get("sub/layer.tar")!)).length, 1000);
    equal((await readMember(archive, index.get("empty")!)).length, 0);
    if (format !== "ustar") {
      equal(new TextDecoder().decode(await readMember(archive, index.get(LONG)!)), "long");
    }
  }
});

Deno.test("indexTar reports a truncated archive", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(join(tmp.path, "big"), "y".repeat(5000));
  const archive = join(tmp.path, "a.tar");
  await runOk("tar", ["-C", tmp.path, "-cf", archive, "big"]);
  const bytes = await Deno.readFile(archive);
  await Deno.writeFile(archive, bytes.subarray(0, 2048));
  await rejects(() => indexTar(archive), /truncated tar ".*a\.tar": a member ends past the file/);
});

/**
 * Opening an `--oci-layout-path` that a killed run left behind (src/image/layout.ts), on the real
 * filesystem: a new layout has `oci-layout` and an empty `index.json` from the start; the
 * temporary files of dead writers are removed; a layout of ours without its index (only our
 * `oci-layout` and blobs) is completed; anything else without an index is refused as before; a
 * blob of the wrong size is written again.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { LayoutWriter } from "../../src/image/layout.ts";
import { mutateImage } from "../../src/image/mutate.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { KoError } from "../../src/util/errors.ts";
import { tempDir } from "../helpers/tools.ts";

const OUR_LAYOUT_FILE = '{\n    "imageLayoutVersion": "1.0.0"\n}';
const EMPTY_INDEX = '{\n   "schemaVersion": 2,\n' +
  '   "mediaType": "application/vnd.oci.image.index.v1+json",\n   "manifests": []\n}';
const HEX = "ab".repeat(32);

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("a new layout has both of its files before any blob", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.path, "layout");
  await LayoutWriter.open(path);
  deepEqual(await names(path), ["blobs", "index.json", "oci-layout"]);
  equal(await Deno.readTextFile(join(path, "index.json")), EMPTY_INDEX);
  equal(await Deno.readTextFile(join(path, "oci-layout")), OUR_LAYOUT_FILE);
});

Deno.test("what a killed run of ours left is cleaned and completed", async (t) => {
  await using tmp = await tempDir();
  await t.step("killed before oci-layout was in place", async () => {
    const path = join(tmp.path, "early");
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, ".oci-layout.tmp-0123abcd"), "{\n  ");
    await LayoutWriter.open(path);
    deepEqual(await names(path), ["blobs", "index.json", "oci-layout"]);
  });
  await t.step("killed while writing blobs, before the index (older versions)", async () => {
    const path = join(tmp.path, "blobs-only");
    await Deno.mkdir(join(path, "blobs", "sha256"), { recursive: true });
    await Deno.writeTextFile(join(path, "oci-layout"), OUR_LAYOUT_FILE);
    await Deno.writeTextFile(join(path, "blobs", "sha256", HEX), "kept");
    await Deno.writeTextFile(join(path, "blobs", "sha256", `.${HEX}.tmp-89abcdef`), "partial");
    await LayoutWriter.open(path);
    deepEqual(await names(path), ["blobs", "index.json", "oci-layout"]);
    deepEqual(await names(join(path, "blobs", "sha256")), [HEX]);
    equal(await Deno.readTextFile(join(path, "index.json")), EMPTY_INDEX);
  });
});

Deno.test("a directory without an index that is not a layout of ours is refused", async (t) => {
  await using tmp = await tempDir();
  const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
    ["another file next to oci-layout", async (dir) => {
      await Deno.writeTextFile(join(dir, "oci-layout"), OUR_LAYOUT_FILE);
      await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    }, /is not a complete OCI layout: it has no index\.json$/],
    ["another tool's oci-layout", async (dir) => {
      await Deno.writeTextFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    }, /is not a complete OCI layout: it has no index\.json$/],
    ["a file in blobs that is not a blob", async (dir) => {
      await Deno.writeTextFile(join(dir, "oci-layout"), OUR_LAYOUT_FILE);
      await Deno.mkdir(join(dir, "blobs", "sha256"), { recursive: true });
      await Deno.writeTextFile(join(dir, "blobs", "sha256", "README"), "x");
    }, /is not a complete OCI layout: it has no index\.json$/],
    ["no oci-layout", async (dir) => {
      await Deno.writeTextFile(join(dir, "file"), "x");
    }, /is not empty and is not an OCI layout$/],
  ];
  for (const [i, [what, make, message]] of cases.entries()) {
    await t.step(what, async () => {
      const dir = join(tmp.path, `case${i}`);
      await Deno.mkdir(dir);
      await make(dir);
      const before = await names(dir);
      await rejects(
        LayoutWriter.open(dir),
        (e) =>
          e instanceof KoError && e.message.startsWith(`--oci-layout-path "${dir}"`) &&
          message.test(e.message),
      );
      deepEqual(await names(dir), before, "nothing written");
    });
  }
});

Deno.test("a blob of the wrong size in a layout is written again", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.path, "layout");
  const image = mutateImage(scratchImage(), { annotations: { "test": "resize" } });
  const manifestPath = join(path, "blobs", "sha256", image.digest.slice(7));
  const first = await LayoutWriter.open(path);
  await Deno.writeTextFile(manifestPath, "{}"); // as a truncated copy made by another tool
  await first.write(image, ["x:t"]);
  await first.commit();
  const bytes = await Deno.readFile(manifestPath);
  equal(sha256Digest(bytes), image.digest);
  const index = JSON.parse(await Deno.readTextFile(join(path, "index.json")));
  ok(index.manifests.some((d: { digest: string }) => d.digest === image.digest));
});

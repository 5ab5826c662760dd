/**
 * The layer memo (src/build/layer_memo.ts) on real Go binaries: what it records, a hit that
 * makes no layer bytes until opened, the bytes it makes then, and what invalidates it.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { binaryEntries } from "../../src/build/app_image.ts";
import { LAYER_MEMO, LayerMemo, sourcesNewer } from "../../src/build/layer_memo.ts";
import { serializeLayerRecord } from "../../src/build/layer_record.ts";
import { buildLayer } from "../../src/layer/compress.ts";
import { closeLayerPool } from "../../src/layer/worker_pool.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { setLogSink, setVerbose } from "../../src/util/log.ts";
import { goBuildFixture, tempDir } from "../helpers/tools.ts";

const MAIN = (n: number) => `package main\n\nfunc main() { println("memo ${n}") }\n`;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("the layer memo remembers a kept binary's layer digests", async (t) => {
  await using tmp = await tempDir();
  const root = join(tmp.path, "bin");
  const outDir = join(root, "example.com/app/linux/amd64");
  await Deno.mkdir(outDir, { recursive: true });
  const binary = join(outDir, "out");
  await Deno.copyFile(await goBuildFixture(tmp.path, MAIN(1), { name: "one" }), binary);
  const memo = new LayerMemo(root);
  const logged: string[] = [];
  using _sink = { [Symbol.dispose]: setLogSink((line) => logged.push(line)) };
  setVerbose(true);
  const args = () => ({
    binaryPath: binary,
    entries: binaryEntries("app", binary, "linux"),
    mediaType: MediaType.OciLayerGzip,
    cacheable: true,
  });
  const expected = await buildLayer(args().entries, { mediaType: MediaType.OciLayerGzip });
  try {
    await t.step("a first build makes the layer and records its digests", async () => {
      const layer = await memo.make(args());
      deepEqual([layer.digest, layer.diffId, layer.size], [
        expected.digest,
        expected.diffId,
        expected.size,
      ]);
      const record = JSON.parse(await Deno.readTextFile(join(outDir, LAYER_MEMO)));
      deepEqual(
        [record.digest, record.diffId, record.size, record.mediaType],
        [expected.digest, expected.diffId, expected.size, MediaType.OciLayerGzip],
      );
      equal(logged.some((l) => l.includes("layer memo")), false);
    });

    await t.step("a rebuild of the same binary takes them from the record", async () => {
      const layer = await memo.make(args());
      ok(logged.some((l) => l.includes(`layer memo: ${binary}: hit ${expected.digest}`)));
      deepEqual([layer.digest, layer.diffId, layer.size], [
        expected.digest,
        expected.diffId,
        expected.size,
      ]);
      // The bytes are made when opened (once), and hash to the remembered digest.
      const bytes = await readAll(await layer.open());
      equal(sha256Digest(bytes), expected.digest);
      deepEqual(await readAll(await layer.open()), bytes);
    });

    await t.step("a record of another binary is not used", async () => {
      await Deno.copyFile(await goBuildFixture(tmp.path, MAIN(2), { name: "two" }), binary);
      logged.length = 0;
      const layer = await memo.make(args());
      equal(logged.some((l) => l.includes("hit")), false);
      const record = JSON.parse(await Deno.readTextFile(join(outDir, LAYER_MEMO)));
      equal(record.digest, layer.digest);
      equal(layer.digest === expected.digest, false);
    });

    await t.step("a binary rewritten before the layer is opened fails the open", async () => {
      const layer = await memo.make(args()); // a hit for binary two
      await Deno.copyFile(await goBuildFixture(tmp.path, MAIN(3), { name: "three" }), binary);
      await rejects(layer.open(), /changed while its layer was being published: build again/);
    });

    await t.step("a damaged record is not believed, and is replaced", async () => {
      const sound = await memo.make(args()); // records binary three
      const path = join(outDir, LAYER_MEMO);
      const good = await Deno.readTextFile(path);
      for (const field of ["digest", "diffId", "size"]) {
        const record = JSON.parse(good);
        record[field] = field === "size" ? record.size + 1 : `sha256:${"0".repeat(64)}`;
        await Deno.writeTextFile(path, JSON.stringify(record));
        logged.length = 0;
        const layer = await memo.make(args());
        ok(logged.some((l) => l.includes("damaged record (its fields do not match its check)")));
        deepEqual([layer.digest, layer.diffId, layer.size], [
          sound.digest,
          sound.diffId,
          sound.size,
        ]);
        equal(await Deno.readTextFile(path), good);
      }
    });

    await t.step("a record whose digest is wrong is caught when the bytes are made", async () => {
      // A sound record that names other bytes (as a build that is not reproducible would).
      const path = join(outDir, LAYER_MEMO);
      const record = JSON.parse(await Deno.readTextFile(path));
      const wrong = { ...record, digest: `sha256:${"0".repeat(64)}` };
      await Deno.writeTextFile(path, serializeLayerRecord(record.key, wrong));
      const layer = await memo.make(args());
      equal(layer.digest, `sha256:${"0".repeat(64)}`);
      await rejects(layer.open(), /not the remembered sha256:0+: build again/);
      await rejects(Deno.stat(path), Deno.errors.NotFound);
    });

    await t.step("a malformed record is ignored and replaced", async () => {
      const path = join(outDir, LAYER_MEMO);
      await Deno.writeTextFile(path, "{not json");
      // What a run killed while writing the record left (no process holds it).
      const orphan = join(outDir, `.${LAYER_MEMO}.tmp-0123abcd`);
      await Deno.writeTextFile(orphan, "{");
      const layer = await memo.make(args());
      equal(JSON.parse(await Deno.readTextFile(path)).digest, layer.digest);
      await rejects(Deno.stat(orphan), Deno.errors.NotFound);
    });

    await t.step("binaries outside the root and uncacheable layers are not recorded", async () => {
      const elsewhere = join(tmp.path, "elsewhere");
      await Deno.mkdir(elsewhere);
      const other = join(elsewhere, "out");
      await Deno.copyFile(binary, other);
      await memo.make({
        ...args(),
        binaryPath: other,
        entries: binaryEntries("app", other, "linux"),
      });
      await rejects(Deno.stat(join(elsewhere, LAYER_MEMO)), Deno.errors.NotFound);
      await Deno.remove(join(outDir, LAYER_MEMO));
      await memo.make({ ...args(), cacheable: false });
      await rejects(Deno.stat(join(outDir, LAYER_MEMO)), Deno.errors.NotFound);
    });
  } finally {
    setVerbose(false);
    closeLayerPool();
  }
});

Deno.test("sourcesNewer tells whether a Go file changed after the binary was built", async () => {
  await using tmp = await tempDir();
  const bin = join(tmp.path, "out");
  await Deno.writeTextFile(bin, "binary");
  await Deno.writeTextFile(join(tmp.path, "main.go"), "package main\n");
  await Deno.writeTextFile(join(tmp.path, "notes.txt"), "not Go\n");
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
  await Deno.utime(join(tmp.path, "main.go"), at(0), at(0));
  await Deno.utime(join(tmp.path, "notes.txt"), at(9), at(9));
  await Deno.utime(bin, at(5), at(5));
  equal(await sourcesNewer(tmp.path, bin), false);
  await Deno.utime(join(tmp.path, "main.go"), at(7), at(7));
  equal(await sourcesNewer(tmp.path, bin), true);
  equal(await sourcesNewer(tmp.path, join(tmp.path, "missing")), true);
});

import { deepEqual, equal, notEqual, ok, rejects } from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";
import {
  BLOCK_SIZE,
  buildLayer,
  estimateTarSize,
  INLINE_MAX,
  type LayerEntry,
  prepareLayerFor,
  STORED_MAX,
} from "../../src/layer/compress.ts";
import { encodeTarHeader, TAR_TRAILER, tarPadding } from "../../src/layer/tar.ts";
import { closeLayerPool, WorkerPool } from "../../src/layer/worker_pool.ts";
import { storedGzip } from "../../src/layer/stored_gzip.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { KoError } from "../../src/util/errors.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

/** Pseudo-random but compressible bytes (a stand-in for a binary), deterministic. */
function sampleBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 24) % 16 === 0 ? x & 0xff : (i >> 6) & 0xff;
  }
  return out;
}

/** The expected tar, assembled from the (Go-checked) header encoder. */
function expectedTar(
  entries: { header: Parameters<typeof encodeTarHeader>[0]; body?: Uint8Array }[],
) {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(encodeTarHeader(e.header));
    if (e.body) parts.push(e.body, new Uint8Array(tarPadding(e.body.length)));
  }
  parts.push(TAR_TRAILER);
  return Buffer.concat(parts);
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ko-layer-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("buildLayer gzips a multi-block tar that gunzips to the exact tar, with both digests right", async () => {
  try {
    await withTempDir(async (dir) => {
      const binary = sampleBytes(3 * BLOCK_SIZE + 12345);
      await Deno.writeFile(`${dir}/app`, binary);
      const data = new TextEncoder().encode("hello kodata\n");
      const entries: LayerEntry[] = [
        { type: "dir", name: "ko-app", mode: 0o555 },
        { type: "file", name: "/ko-app/app", mode: 0o555, path: `${dir}/app` },
        { type: "file", name: "/var/run/ko/x.txt", mode: 0o555, bytes: data, mtime: 1700000000 },
      ];
      const built = await buildLayer(entries, { mediaType: MediaType.DockerLayerGzip });
      const tar = expectedTar([
        { header: { name: "ko-app", type: "dir", mode: 0o555 } },
        {
          header: { name: "/ko-app/app", type: "file", mode: 0o555, size: binary.length },
          body: binary,
        },
        {
          header: {
            name: "/var/run/ko/x.txt",
            type: "file",
            mode: 0o555,
            size: data.length,
            mtime: 1700000000,
          },
          body: data,
        },
      ]);
      const gz = await readAll(await built.open());
      equal(built.mediaType, MediaType.DockerLayerGzip);
      equal(built.size, gz.length);
      equal(built.digest, sha256Digest(gz));
      equal(built.uncompressedSize, tar.length);
      equal(built.diffId, sha256Digest(tar));
      deepEqual(zlib.gunzipSync(gz), tar);
      // Deterministic header: no mtime, no name, OS "unknown" as Go writes.
      deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
      ok(built.chunks!.length > 3, "compressed output stays in block-sized chunks");
      // open() can be called again and gives the same bytes.
      deepEqual(await readAll(await built.open()), gz);
    });
  } finally {
    closeLayerPool();
  }
});

Deno.test("buildLayer is deterministic: the same entries give the same digests", async () => {
  try {
    const bytes = sampleBytes(2 * BLOCK_SIZE + 7, 42);
    const entries: LayerEntry[] = [{ type: "file", name: "f", mode: 0o644, bytes }];
    const a = await buildLayer(entries);
    const b = await buildLayer(entries);
    equal(a.digest, b.digest);
    equal(a.diffId, b.diffId);
    const z1 = await buildLayer(entries, { compression: "zstd" });
    const z2 = await buildLayer(entries, { compression: "zstd" });
    equal(z1.digest, z2.digest);
    equal(z1.diffId, a.diffId);
    notEqual(z1.digest, a.digest);
  } finally {
    closeLayerPool();
  }
});

Deno.test("buildLayer output depends on the bytes only, not on the pool size", async () => {
  const bytes = sampleBytes(5 * BLOCK_SIZE + 3, 5);
  const entries: LayerEntry[] = [{ type: "file", name: "f", mode: 0o644, bytes }];
  const digests = new Set<string>();
  for (const size of [1, 3]) {
    const pool = new WorkerPool({ size });
    try {
      digests.add((await buildLayer(entries, { pool, inline: false })).digest);
    } finally {
      pool.close();
    }
  }
  digests.add((await buildLayer(entries)).digest);
  closeLayerPool();
  equal(digests.size, 1);
});

Deno.test("recycled tar blocks are re-zeroed: padding stays zero across many blocks", async () => {
  // Files of 0xff whose padding lands all over the blocks; one worker, so blocks come back
  // and are reused long before the end.
  const entries: LayerEntry[] = [];
  const expected: { header: Parameters<typeof encodeTarHeader>[0]; body?: Uint8Array }[] = [];
  for (let i = 0; i < 10; i++) {
    const body = new Uint8Array(BLOCK_SIZE - 100 * (i + 1)).fill(0xff);
    entries.push({ type: "file", name: `f${i}`, mode: 0o644, bytes: body });
    expected.push({
      header: { name: `f${i}`, type: "file", mode: 0o644, size: body.length },
      body,
    });
  }
  const tar = expectedTar(expected);
  const pool = new WorkerPool({ size: 1 });
  try {
    for (
      const [compression, inline] of [["gzip", false], ["gzip", true], ["zstd", false]] as const
    ) {
      const built = await buildLayer(entries, { pool, compression, inline });
      const bytes = await readAll(await built.open());
      const back = compression === "gzip" ? zlib.gunzipSync(bytes) : zlib.zstdDecompressSync(bytes);
      equal(Buffer.compare(back, tar), 0, `${compression} round trip (inline: ${inline})`);
      equal(built.diffId, sha256Digest(tar));
    }
  } finally {
    pool.close();
  }
});

Deno.test("buildLayer compresses a tiny layer in place without starting workers", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const built = await buildLayer([{ type: "dir", name: "/var", mode: 0o555 }], { pool });
    const tar = expectedTar([{ header: { name: "/var", type: "dir", mode: 0o555 } }]);
    deepEqual(zlib.gunzipSync(await readAll(await built.open())), tar);
    equal(built.diffId, sha256Digest(tar));
    equal(pool.workerCount, 0);
  } finally {
    pool.close();
  }
});

Deno.test("a gzip layer up to INLINE_MAX is compressed in place, a larger one in the workers", async () => {
  const dir = await Deno.makeTempDir();
  const pool = new WorkerPool({ size: 1, idleTimeoutMs: 60_000 });
  try {
    const small = `${dir}/small`;
    await Deno.writeFile(small, sampleBytes(INLINE_MAX - 64 * 1024, 3));
    const entries: LayerEntry[] = [
      { type: "dir", name: "ko-app", mode: 0o555 },
      { type: "file", name: "/ko-app/app", mode: 0o555, path: small },
    ];
    ok(await estimateTarSize(entries) <= INLINE_MAX);
    await buildLayer(entries, { pool });
    equal(pool.workerCount, 0, "no worker for a layer under the limit");
    const large = `${dir}/large`;
    await Deno.writeFile(large, sampleBytes(INLINE_MAX + 1, 3));
    const big: LayerEntry[] = [{ type: "file", name: "/app", mode: 0o555, path: large }];
    ok(await estimateTarSize(big) > INLINE_MAX);
    await buildLayer(big, { pool });
    equal(pool.workerCount, 1, "the workers compress a layer over the limit");
  } finally {
    pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepareLayerFor starts workers only for a file too large to compress inline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: Array<[string, number | undefined, number]> = [
      ["small", INLINE_MAX / 2, 0],
      ["large", INLINE_MAX + 1, 2],
      ["missing", undefined, 2], // no previous build: the next one may well be large
    ];
    for (const [name, size, workers] of cases) {
      const path = `${dir}/${name}`;
      if (size !== undefined) await Deno.writeFile(path, new Uint8Array(size));
      const pool = new WorkerPool({ size: 2, idleTimeoutMs: 60_000 });
      try {
        await prepareLayerFor(path, pool);
        equal(pool.workerCount, workers, name);
      } finally {
        pool.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tiny gzip layer is stored without compression, a larger one deflated", async () => {
  const tiny: LayerEntry[] = [
    { type: "dir", name: "/var/run/ko", mode: 0o555 },
    { type: "file", name: "/var/run/ko/a", mode: 0o444, bytes: new Uint8Array(2000).fill(1) },
  ];
  ok(await estimateTarSize(tiny) <= STORED_MAX);
  const tar = expectedTar([
    { header: { name: "/var/run/ko", type: "dir", mode: 0o555 } },
    {
      header: { name: "/var/run/ko/a", type: "file", mode: 0o444, size: 2000 },
      body: new Uint8Array(2000).fill(1),
    },
  ]);
  const built = await buildLayer(tiny);
  deepEqual(await readAll(await built.open()), storedGzip(tar));
  equal(built.diffId, sha256Digest(tar));
  equal(built.digest, sha256Digest(storedGzip(tar)));
  equal(built.size, storedGzip(tar).length);

  const over: LayerEntry[] = [
    { type: "file", name: "f", mode: 0o644, bytes: new Uint8Array(STORED_MAX).fill(1) },
  ];
  const deflated = await buildLayer(over);
  ok(deflated.size < STORED_MAX / 10, `${deflated.size} bytes`);
  closeLayerPool();
});

Deno.test("inline and worker compression write the same bytes", async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    for (const n of [0, 1000, BLOCK_SIZE - 1536, BLOCK_SIZE, 3 * BLOCK_SIZE + 17]) {
      const entries: LayerEntry[] = [
        { type: "file", name: "f", mode: 0o644, bytes: sampleBytes(n, n + 1) },
      ];
      const inline = await buildLayer(entries, { pool, inline: true });
      const workers = await buildLayer(entries, { pool, inline: false });
      deepEqual(
        { digest: inline.digest, diffId: inline.diffId, size: inline.size },
        { digest: workers.digest, diffId: workers.diffId, size: workers.size },
        `${n} bytes`,
      );
      deepEqual(await readAll(await inline.open()), await readAll(await workers.open()));
    }
  } finally {
    pool.close();
  }
});

Deno.test("estimateTarSize counts contents, headers and padding generously", async () => {
  const entries: LayerEntry[] = [
    { type: "dir", name: "d", mode: 0o755 },
    { type: "file", name: "d/a", mode: 0o644, bytes: new Uint8Array(1000) },
    { type: "file", name: "d/missing", mode: 0o644, path: "/nonexistent/ko-file" },
  ];
  const tar = expectedTar([
    { header: { name: "d", type: "dir", mode: 0o755 } },
    { header: { name: "d/a", type: "file", mode: 0o644, size: 1000 }, body: new Uint8Array(1000) },
  ]);
  const estimate = await estimateTarSize(entries);
  ok(estimate >= tar.length && estimate <= tar.length + 4096, `${estimate} for ${tar.length}`);
});

Deno.test("buildLayer writes zstd layers that decompress to the tar", async () => {
  try {
    const bytes = sampleBytes(BLOCK_SIZE + 99, 7);
    const built = await buildLayer(
      [{ type: "file", name: "/ko-app/app", mode: 0o555, bytes }],
      { mediaType: MediaType.OciLayerZstd },
    );
    equal(built.mediaType, MediaType.OciLayerZstd);
    const z = await readAll(await built.open());
    const tar = expectedTar([{
      header: { name: "/ko-app/app", type: "file", mode: 0o555, size: bytes.length },
      body: bytes,
    }]);
    deepEqual(zlib.zstdDecompressSync(z), tar);
    equal(built.diffId, sha256Digest(tar));
    equal(built.digest, sha256Digest(z));
    equal(built.size, z.length);
  } finally {
    closeLayerPool();
  }
});

Deno.test("buildLayer with outPath writes the blob to that file and streams it from there", async () => {
  try {
    await withTempDir(async (dir) => {
      const bytes = sampleBytes(BLOCK_SIZE * 2, 3);
      const out = `${dir}/layer.tar.gz`;
      const built = await buildLayer([{ type: "file", name: "f", mode: 0o644, bytes }], {
        outPath: out,
      });
      equal(built.path, out);
      equal(built.chunks, undefined);
      const onDisk = await Deno.readFile(out);
      equal(onDisk.length, built.size);
      equal(sha256Digest(onDisk), built.digest);
      deepEqual(await readAll(await built.open()), onDisk);
      deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["layer.tar.gz"]);
    });
  } finally {
    closeLayerPool();
  }
});

Deno.test("buildLayer names a missing source file and leaves no partial output behind", async () => {
  try {
    await withTempDir(async (dir) => {
      await rejects(
        buildLayer(
          [{ type: "file", name: "/ko-app/app", mode: 0o555, path: `${dir}/missing` }],
          { outPath: `${dir}/out.gz` },
        ),
        (err: unknown) => err instanceof KoError && err.message.includes(`${dir}/missing`),
      );
      deepEqual([...Deno.readDirSync(dir)], []);
      await rejects(
        buildLayer([{ type: "file", name: "/x", mode: 0o555, path: dir }], { compression: "zstd" }),
        /is not a regular file/,
      );
    });
  } finally {
    closeLayerPool();
  }
});

import { deepEqual, equal, rejects } from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";
import { buildLayer } from "../../src/layer/compress.ts";
import { diffIdOfCompressed, layerFromBytes } from "../../src/layer/layer.ts";
import { layerFromBuilt } from "../../src/layer/compress.ts";
import { closeLayerPool } from "../../src/layer/worker_pool.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

const tar = new Uint8Array(3072).map((_, i) => (i * 31) % 251);

Deno.test("layerFromBytes computes digest and size and reopens its bytes", async () => {
  const gz = new Uint8Array(zlib.gzipSync(tar));
  const layer = await layerFromBytes(gz, MediaType.OciLayerGzip, sha256Digest(tar));
  equal(layer.digest, sha256Digest(gz));
  equal(layer.size, gz.length);
  equal(layer.diffId, sha256Digest(tar));
  deepEqual(await readAll(await layer.open()), gz);
  deepEqual(await readAll(await layer.open()), gz);
});

Deno.test("diffIdOfCompressed hashes the decompressed tar for gzip, zstd and plain layers", async () => {
  const want = sha256Digest(tar);
  equal(
    await diffIdOfCompressed(new Uint8Array(zlib.gzipSync(tar)), MediaType.DockerLayerGzip),
    want,
  );
  equal(
    await diffIdOfCompressed(new Uint8Array(zlib.zstdCompressSync(tar)), MediaType.OciLayerZstd),
    want,
  );
  equal(await diffIdOfCompressed(tar, MediaType.OciLayer), want);
  const stream = ReadableStream.from([
    new Uint8Array(zlib.gzipSync(tar)).subarray(0, 10),
    new Uint8Array(zlib.gzipSync(tar)).subarray(10),
  ]);
  equal(await diffIdOfCompressed(stream, MediaType.OciLayerGzip), want);
});

Deno.test("diffIdOfCompressed reports corrupt data as a KoError naming the media type", async () => {
  await rejects(
    diffIdOfCompressed(new Uint8Array([1, 2, 3, 4]), MediaType.OciLayerGzip),
    /decompressing application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip layer/,
  );
});

Deno.test("layerFromBuilt exposes a built layer whose diffId matches diffIdOfCompressed", async () => {
  try {
    const built = await buildLayer([{ type: "file", name: "f", mode: 0o644, bytes: tar }]);
    const layer = layerFromBuilt(built);
    equal(layer.digest, built.digest);
    equal(layer.diffId, await diffIdOfCompressed(await layer.open(), layer.mediaType));
    equal(layer.size, (await readAll(await layer.open())).length);
  } finally {
    closeLayerPool();
  }
});

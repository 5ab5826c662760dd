import { deepEqual, equal } from "node:assert/strict";
import * as zlib from "node:zlib";
import { storedGzip } from "../../src/layer/stored_gzip.ts";

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

Deno.test("storedGzip output gunzips to its input, in one or several stored blocks", () => {
  for (const n of [0, 1, 3000, 65535, 65536, 200_000]) {
    const data = random(n);
    const gz = storedGzip(data);
    deepEqual(new Uint8Array(zlib.gunzipSync(gz)), data, `${n} bytes`);
    equal(gz.length, 10 + Math.max(1, Math.ceil(n / 65535)) * 5 + n + 8, `${n} bytes`);
  }
});

Deno.test("storedGzip writes a deterministic header: no name, no time, OS 255", () => {
  deepEqual([...storedGzip(new Uint8Array(3)).subarray(0, 10)], [
    31,
    139,
    8,
    0,
    0,
    0,
    0,
    0,
    0,
    255,
  ]);
});

Deno.test("the trailer's CRC-32 equals zlib's", () => {
  const trailerCrc = (gz: Uint8Array) =>
    new DataView(gz.buffer, gz.byteOffset).getUint32(
      gz.length - 8,
      true,
    );
  equal(trailerCrc(storedGzip(new TextEncoder().encode("123456789"))), 0xcbf43926);
  for (const n of [0, 1, 100, 5000, 70_000]) {
    const data = random(n);
    equal(trailerCrc(storedGzip(data)), zlib.crc32(data), `${n} bytes`);
  }
});

/**
 * Blob streams checked against their digest and size as they are read: the stream ends only
 * when the bytes are the blob's, and errors with the reference and both digests otherwise.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { digestWith, verifiedStream } from "../../src/registry/digest_check.ts";
import { readAll } from "./support.ts";

const CONTEXT = "GET 127.0.0.1:5000/app blob";

function chunks(...parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return ReadableStream.from(parts.map((p) => enc.encode(p)));
}

Deno.test("a blob stream whose bytes match passes through whole", async () => {
  const digest = sha256Digest("hello, world");
  const got = await readAll(verifiedStream(chunks("hello, ", "world"), digest, CONTEXT, 12));
  equal(new TextDecoder().decode(got), "hello, world");
  const sha512 = digestWith("sha512", new TextEncoder().encode("hello, world"));
  equal((await readAll(verifiedStream(chunks("hello", ", world"), sha512, CONTEXT))).length, 12);
});

Deno.test("a blob stream with a flipped byte errors at its end, naming both digests", async () => {
  const digest = sha256Digest("hello, world");
  const bad = sha256Digest("hello, worle");
  await rejects(readAll(verifiedStream(chunks("hello, ", "worle"), digest, CONTEXT, 12)), {
    message: `${CONTEXT}: error verifying sha256 checksum: ` +
      `the registry sent content with digest ${bad}`,
  });
});

Deno.test("a blob stream longer than its size fails before the excess is passed on", async () => {
  const digest = sha256Digest("abc");
  const seen: string[] = [];
  const stream = verifiedStream(chunks("abc", "def", "ghi"), digest, CONTEXT, 3);
  await rejects(
    stream.pipeTo(
      new WritableStream({ write: (c) => void seen.push(new TextDecoder().decode(c)) }),
    ),
    { message: `${CONTEXT}: error verifying size: the registry sent more than 3 bytes` },
  );
  deepEqual(seen, ["abc"]);
});

Deno.test("a blob stream shorter than its size errors", async () => {
  const digest = sha256Digest("abc");
  await rejects(readAll(verifiedStream(chunks("ab"), digest, CONTEXT, 3)), {
    message: `${CONTEXT}: error verifying size: the registry sent 2 bytes, expected 3`,
  });
});

/**
 * The hash functions of src/util/hash.ts (SHA-256, SHA-512, SHA-1, MD5) against node:crypto on
 * random inputs of every length around their block boundaries, and SHA-256 fed in random
 * pieces.
 */
import { equal, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import { md5, sha1, sha256, Sha256State, sha512, toHex } from "../../src/util/hash.ts";
import { md5Hex } from "../../src/publish/naming.ts";

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Lengths 0–300 (every boundary of 64- and 128-byte blocks, twice), and a few large ones. */
const LENGTHS = [...Array.from({ length: 301 }, (_, i) => i), 1000, 4095, 4096, 65537, 1 << 20];

function native(algorithm: string, data: Uint8Array): string {
  return createHash(algorithm).update(data).digest("hex");
}

Deno.test("sha256 equals node:crypto at every length around the block boundaries", () => {
  for (const n of LENGTHS) {
    const data = random(n);
    equal(toHex(sha256(data)), native("sha256", data), `length ${n}`);
  }
  equal(
    toHex(sha256("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  equal(toHex(sha256("é")), native("sha256", new TextEncoder().encode("é")));
});

Deno.test("Sha256State gives the same digest however the input is split", () => {
  for (const n of [0, 1, 63, 64, 65, 127, 128, 129, 1000, 70000]) {
    const data = random(n);
    for (let round = 0; round < 5; round++) {
      const h = new Sha256State();
      for (let off = 0; off < n;) {
        const take = Math.min(n - off, Math.floor(Math.random() * 150));
        h.update(data.subarray(off, off + take));
        off += take;
      }
      equal(toHex(h.digest()), native("sha256", data), `length ${n}`);
    }
  }
});

Deno.test("a finished Sha256State refuses more input", () => {
  const h = new Sha256State();
  h.digest();
  throws(() => h.update(new Uint8Array(1)), /update after digest/);
  throws(() => h.digest(), /digest called twice/);
});

Deno.test("sha512 equals node:crypto at every length around the block boundaries", () => {
  for (const n of LENGTHS) {
    const data = random(n);
    equal(toHex(sha512(data)), native("sha512", data), `length ${n}`);
  }
  equal(
    toHex(sha512("abc")),
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  );
});

Deno.test("sha1 and md5 equal node:crypto at every length around the block boundaries", () => {
  for (const n of LENGTHS) {
    const data = random(n);
    equal(toHex(sha1(data)), native("sha1", data), `sha1, length ${n}`);
    equal(toHex(md5(data)), native("md5", data), `md5, length ${n}`);
  }
  equal(toHex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  equal(toHex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  equal(md5Hex("example.com/hello"), native("md5", new TextEncoder().encode("example.com/hello")));
});

import { createHash } from "node:crypto";
import { equal, throws } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import {
  digestAlgorithm,
  digestHex,
  isDigest,
  parseDigest,
  Sha256,
  sha256Digest,
  sha256Hex,
} from "../../src/oci/digest.ts";
import { HeldSha256, layerSha256 } from "../../src/oci/layer_sha256.ts";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const EXPECTED = 'expected "sha256:<64 hex characters>"';

const VALID = [
  `sha256:${EMPTY_SHA256}`,
  `sha256:${"0".repeat(64)}`,
  `sha512:${"f".repeat(128)}`,
];

for (const d of VALID) {
  Deno.test(`parseDigest accepts ${d.slice(0, 20)}…`, () => {
    equal(parseDigest(d), d);
    equal(isDigest(d), true);
  });
}

const INVALID: Array<[input: string, message: string]> = [
  ["", `invalid digest "": ${EXPECTED}`],
  [EMPTY_SHA256, `invalid digest "${EMPTY_SHA256}": ${EXPECTED}`],
  ["sha256:", `invalid digest "sha256:": ${EXPECTED}`],
  [":abc", `invalid digest ":abc": ${EXPECTED}`],
  [`SHA256:${EMPTY_SHA256}`, `invalid digest "SHA256:${EMPTY_SHA256}": ${EXPECTED}`],
  [` sha256:${EMPTY_SHA256}`, `invalid digest " sha256:${EMPTY_SHA256}": ${EXPECTED}`],
  [`sha256:${EMPTY_SHA256}\n`, `invalid digest "sha256:${EMPTY_SHA256}\n": ${EXPECTED}`],
  ["sha256:abc", 'invalid digest "sha256:abc": sha256 needs 64 lowercase hex characters'],
  [
    `sha256:${EMPTY_SHA256}0`,
    `invalid digest "sha256:${EMPTY_SHA256}0": sha256 needs 64 lowercase hex characters`,
  ],
  [
    `sha256:${EMPTY_SHA256.toUpperCase()}`,
    `invalid digest "sha256:${EMPTY_SHA256.toUpperCase()}": sha256 needs 64 lowercase hex ` +
    "characters",
  ],
  [
    `sha256:${"g".repeat(64)}`,
    `invalid digest "sha256:${"g".repeat(64)}": sha256 needs 64 lowercase hex characters`,
  ],
  [
    `sha512:${EMPTY_SHA256}`,
    `invalid digest "sha512:${EMPTY_SHA256}": sha512 needs 128 lowercase hex characters`,
  ],
  [`md5:${"a".repeat(32)}`, `invalid digest "md5:${"a".repeat(32)}": unsupported algorithm "md5"`],
  [
    `sha384:${"a".repeat(96)}`,
    `invalid digest "sha384:${"a".repeat(96)}": unsupported algorithm "sha384"`,
  ],
];

for (const [input, message] of INVALID) {
  const shown = input.length > 30 ? `${input.slice(0, 12)}…${input.slice(-10)}` : input;
  Deno.test(`parseDigest rejects ${JSON.stringify(shown)}`, () => {
    throws(() => parseDigest(input), (e: unknown) => {
      equal(e instanceof KoError, true);
      equal((e as Error).message, message);
      return true;
    });
    equal(isDigest(input), false);
  });
}

Deno.test("digestHex and digestAlgorithm split a digest", () => {
  equal(digestHex(`sha256:${EMPTY_SHA256}`), EMPTY_SHA256);
  equal(digestAlgorithm(`sha256:${EMPTY_SHA256}`), "sha256");
  equal(digestHex("abc"), "abc");
  equal(digestAlgorithm("abc"), "");
});

Deno.test("sha256Digest hashes bytes and strings alike", () => {
  equal(sha256Digest(new Uint8Array()), `sha256:${EMPTY_SHA256}`);
  equal(sha256Digest(""), `sha256:${EMPTY_SHA256}`);
  equal(
    sha256Digest("hello\n"),
    "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
  );
  equal(sha256Digest(new TextEncoder().encode("hello\n")), sha256Digest("hello\n"));
  equal(sha256Hex("hello\n"), digestHex(sha256Digest("hello\n")));
  equal(isDigest(sha256Digest("x")), true);
});

Deno.test("Sha256 hashes incrementally to the same digest as one shot", () => {
  const data = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  const h = new Sha256();
  for (let off = 0; off < data.length; off += 4099) h.update(data.subarray(off, off + 4099));
  const want = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  equal(h.digest(), want);
  equal(sha256Digest(data), want);
  equal(new Sha256().digest(), `sha256:${EMPTY_SHA256}`);
});

Deno.test("layerSha256 gives the digest of Sha256 and sha256Digest, however the input is split", async () => {
  const data = new Uint8Array((1 << 20) + 17).map((_, i) => (i * 7) & 0xff);
  const whole = await layerSha256();
  equal(whole.update(data).digest(), sha256Digest(data));
  const pieces = await layerSha256();
  for (let off = 0; off < data.length; off += 65521) pieces.update(data.subarray(off, off + 65521));
  equal(pieces.digest(), sha256Digest(data));
  equal((await layerSha256()).digest(), `sha256:${EMPTY_SHA256}`);
});

Deno.test("HeldSha256 (WebCrypto) gives the same digests, whole, in pieces and empty", async () => {
  const data = new Uint8Array((1 << 20) + 17).map((_, i) => (i * 7) & 0xff);
  equal(await new HeldSha256().update(data).digest(), sha256Digest(data));
  const pieces = new HeldSha256();
  for (let off = 0; off < data.length; off += 65521) pieces.update(data.subarray(off, off + 65521));
  equal(await pieces.digest(), sha256Digest(data));
  equal(await new HeldSha256().digest(), `sha256:${EMPTY_SHA256}`);
});

/**
 * Opening keys: cosign's encrypted keys (made by the real `cosign generate-key-pair`) and
 * openssl's PKCS #8 keys give signers whose signatures the public key verifies (WebCrypto
 * checks them here; tests/e2e/signing_test.ts has cosign verify them); the password comes
 * from COSIGN_PASSWORD or the prompt.
 */
import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { join } from "node:path";
import { openSigningKey } from "../../src/sign/key_file.ts";
import { cosignBinary } from "../helpers/cosign.ts";
import { runOk, tempDir } from "../helpers/tools.ts";
import { makeKeys } from "../e2e/signing_keys.ts";

/** Verifies `sig` over `data` with a PEM public key, by WebCrypto (DER ECDSA converted). */
async function verifies(pubPem: string, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  const der = Uint8Array.fromBase64(pubPem.replace(/-----[^-]+-----|\s/g, ""));
  if (der.length === 44) { // an Ed25519 SubjectPublicKeyInfo (P-256's is 91 bytes)
    const key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", key, sig as BufferSource, data as BufferSource);
  }
  const key = await crypto.subtle.importKey(
    "spki",
    der,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    [
      "verify",
    ],
  );
  return await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    derToRaw(sig) as BufferSource,
    data as BufferSource,
  );
}

/** An ASN.1 DER ECDSA signature as WebCrypto's r || s. */
function derToRaw(der: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  let i = 2;
  for (const half of [0, 32]) {
    const len = der[i + 1]!;
    const int = der.subarray(i + 2, i + 2 + len);
    const trimmed = int.length > 32 ? int.subarray(int.length - 32) : int;
    out.set(trimmed, half + 32 - trimmed.length);
    i += 2 + len;
  }
  return out;
}

Deno.test("keys open into signers whose signatures their public keys verify", async (t) => {
  await using tmp = await tempDir();
  const keys = await makeKeys(tmp.path);
  const data = new TextEncoder().encode("payload");
  const open = (key: string, env: Record<string, string> = {}, prompt?: () => Promise<string>) =>
    openSigningKey({ ref: key, source: "--sign-key", baseDir: tmp.path }, {
      env,
      ...(prompt ? { prompt } : {}),
    });

  for (
    const [name, pair, env] of [
      ["an encrypted cosign key", keys.encrypted, { COSIGN_PASSWORD: keys.password }],
      ["a PKCS #8 P-256 key", keys.p256, {}],
      ["a PKCS #8 Ed25519 key", keys.ed25519, {}],
    ] as const
  ) {
    await t.step(name, async () => {
      const signer = await open(pair.key, env);
      const sig = await signer.sign(data);
      equal(await verifies(await Deno.readTextFile(pair.pub), data, sig.bytes), true);
      // Deterministic: the same bytes give the same signature.
      deepEqual((await signer.sign(data)).bytes, sig.bytes);
      equal(
        await verifies(await Deno.readTextFile(pair.pub), new Uint8Array([1]), sig.bytes),
        false,
      );
    });
  }

  await t.step("the password from the prompt when COSIGN_PASSWORD is unset", async () => {
    const asked: string[] = [];
    const signer = await open(keys.encrypted.key, {}, (q?: string) => {
      asked.push(q ?? "");
      return Promise.resolve(keys.password);
    });
    equal(signer.name, keys.encrypted.key);
    equal(asked.length, 1);
    await rejects(open(keys.encrypted.key, {}, () => Promise.resolve("nope")), (e: Error) => {
      match(e.message, /^--sign-key ".*cosign\.key": wrong password \(decryption failed\)$/);
      return true;
    });
  });

  await t.step(
    "an empty COSIGN_PASSWORD is a password (cosign's empty-password keys)",
    async () => {
      const dir = join(tmp.path, "empty");
      await Deno.mkdir(dir);
      await runOk(await cosignBinary(), ["generate-key-pair"], {
        cwd: dir,
        env: { COSIGN_PASSWORD: "" },
      });
      await open(join(dir, "cosign.key"), { COSIGN_PASSWORD: "" });
    },
  );

  await t.step("scrypt parameters cosign never writes are refused", async () => {
    const pem = await Deno.readTextFile(keys.encrypted.key);
    const body = JSON.parse(atob(pem.replace(/-----[^-]+-----|\s/g, "")));
    body.kdf.params.N = 1 << 22;
    const bad = join(tmp.path, "bad-params.key");
    await Deno.writeTextFile(
      bad,
      `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${
        btoa(JSON.stringify(body))
      }\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`,
    );
    await rejects(open(bad, { COSIGN_PASSWORD: keys.password }), /unsupported scrypt parameters/);
  });
});

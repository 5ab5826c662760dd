/**
 * cosign's encrypted private keys (`ENCRYPTED SIGSTORE PRIVATE KEY`, or the older `ENCRYPTED
 * COSIGN PRIVATE KEY`): the PEM body is JSON
 * `{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},"cipher":{"name":"nacl/secretbox",
 * "nonce"},"ciphertext"}` (byte fields in base64), and the plaintext is the PKCS #8 DER of the
 * key. The secretbox key is scrypt(password, salt) with one of the parameter sets cosign
 * writes; anything else is refused, as cosign does (it bounds the work a key file can ask for).
 */
import { xsalsa20poly1305 } from "../deps/noble_ciphers.ts";
import { scryptAsync } from "../deps/noble_hashes.ts";
import { KoError } from "../util/errors.ts";

/** The scrypt parameters cosign writes (legacy 2^15, standard 2^16, OWASP 2^17; r=8, p=1). */
const ACCEPTED_N = new Set([32768, 65536, 131072]);

/** The decoded JSON of an encrypted key, checked. */
interface EncryptedKey {
  readonly salt: Uint8Array;
  readonly n: number;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * Decrypts the PEM body of a cosign encrypted key into PKCS #8 DER. A wrong password fails
 * with a KoError saying so (secretbox authentication cannot tell it from a damaged file).
 */
export async function decryptCosignKey(body: Uint8Array, password: string): Promise<Uint8Array> {
  const k = parseEncryptedKey(body);
  const key = await scryptAsync(new TextEncoder().encode(password), k.salt, {
    N: k.n,
    r: 8,
    p: 1,
    dkLen: 32,
  });
  try {
    return xsalsa20poly1305(key, k.nonce).decrypt(k.ciphertext);
  } catch {
    throw new KoError("wrong password (decryption failed)");
  }
}

function parseEncryptedKey(body: Uint8Array): EncryptedKey {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new KoError("the encrypted key is not cosign's JSON envelope");
  }
  const o = json as {
    kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
    cipher?: { name?: unknown; nonce?: unknown };
    ciphertext?: unknown;
  } | null;
  if (o?.kdf?.name !== "scrypt") {
    throw new KoError(`unknown key derivation ${JSON.stringify(o?.kdf?.name)} (expected scrypt)`);
  }
  if (o.cipher?.name !== "nacl/secretbox") {
    throw new KoError(`unknown cipher ${JSON.stringify(o.cipher?.name)} (expected nacl/secretbox)`);
  }
  const { N, r, p } = o.kdf.params ?? {};
  if (typeof N !== "number" || !ACCEPTED_N.has(N) || r !== 8 || p !== 1) {
    throw new KoError(`unsupported scrypt parameters ${JSON.stringify(o.kdf.params)}`);
  }
  const salt = base64Field(o.kdf.salt, "kdf.salt");
  const nonce = base64Field(o.cipher.nonce, "cipher.nonce");
  if (nonce.length !== 24) throw new KoError("cipher.nonce is not 24 bytes");
  return { salt, n: N, nonce, ciphertext: base64Field(o.ciphertext, "ciphertext") };
}

function base64Field(v: unknown, name: string): Uint8Array {
  if (typeof v !== "string") throw new KoError(`the encrypted key has no ${name}`);
  try {
    return Uint8Array.fromBase64(v);
  } catch {
    throw new KoError(`the encrypted key's ${name} is not base64`);
  }
}

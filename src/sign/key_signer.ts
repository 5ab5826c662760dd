/**
 * A Signer over a private key: ECDSA P-256 with SHA-256 (ASN.1 DER signatures, what cosign's
 * ECDSA verifier reads) or pure Ed25519 (what `cosign verify --key` uses for an Ed25519 public
 * key). WebCrypto imports the PKCS #8 key, which checks it; @noble/curves signs, because its
 * ECDSA is deterministic (RFC 6979): signing the same image again yields the same signature,
 * so a rebuild finds its signature already pushed.
 */
import { ed25519, p256 } from "../deps/noble_curves.ts";
import { KoError } from "../util/errors.ts";
import { type KeyAlgorithm, pkcs8Algorithm } from "./pkcs8.ts";
import type { Signature, Signer } from "./signer.ts";

/** Signs with a private key read from PKCS #8 DER; `name` names it in messages. */
export async function keySigner(name: string, pkcs8: Uint8Array): Promise<Signer> {
  const algorithm = pkcs8Algorithm(pkcs8);
  const secret = await secretScalar(pkcs8, algorithm);
  const sign = algorithm === "ed25519"
    ? (data: Uint8Array) => ed25519.sign(data, secret)
    : (data: Uint8Array) => p256.sign(data, secret, { format: "der" });
  return {
    name,
    sign: (data: Uint8Array): Promise<Signature> => Promise.resolve({ bytes: sign(data) }),
  };
}

/** The private scalar (P-256) or seed (Ed25519) of a PKCS #8 key, imported by WebCrypto. */
async function secretScalar(pkcs8: Uint8Array, algorithm: KeyAlgorithm): Promise<Uint8Array> {
  const params = algorithm === "ed25519"
    ? { name: "Ed25519" }
    : { name: "ECDSA", namedCurve: "P-256" };
  let jwk: JsonWebKey;
  try {
    const key = await crypto.subtle.importKey("pkcs8", pkcs8 as BufferSource, params, true, [
      "sign",
    ]);
    jwk = await crypto.subtle.exportKey("jwk", key);
  } catch (e) {
    throw new KoError(`not a valid ${params.name} private key (${(e as Error).message})`);
  }
  if (typeof jwk.d !== "string") throw new KoError(`not a valid ${params.name} private key`);
  return Uint8Array.fromBase64(jwk.d, { alphabet: "base64url" });
}

/**
 * Opening the signing key a run was given (`--sign-key`, `KO_SIGN_KEY` or `.ko.yaml`
 * `sign.key`): a cosign private key file, encrypted (`ENCRYPTED SIGSTORE PRIVATE KEY`, the
 * password from `COSIGN_PASSWORD` or the terminal) or an unencrypted PKCS #8 EC P-256 or
 * Ed25519 PEM. KMS and other `scheme://` references are refused with what to use instead.
 * Every failure is one line naming the key and where it was given, and happens before
 * anything is built or pushed.
 */
import { describeFsError } from "../util/atomic_file.ts";
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import { resolve } from "../util/posix_path.ts";
import { decryptCosignKey } from "./encrypted_key.ts";
import { keySigner } from "./key_signer.ts";
import { keyPassword, type PasswordSource } from "./password.ts";
import type { Signer } from "./signer.ts";

/** A signing key as configured: the value and where it was given. */
export interface SignKeySetting {
  /** The path (or refused reference) as written. */
  readonly ref: string;
  /** Where it was given: `--sign-key`, `KO_SIGN_KEY`, `<file>: sign.key`. */
  readonly source: string;
  /** The directory a relative path is taken from. */
  readonly baseDir: string;
}

const ENCRYPTED_TYPES = new Set(["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"]);

/** Reads, decrypts and checks the key; the Signer that signs with it. */
export async function openSigningKey(key: SignKeySetting, from: PasswordSource): Promise<Signer> {
  const where = `${key.source} ${JSON.stringify(key.ref)}`;
  try {
    refuseReferences(key.ref);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(resolve(key.baseDir, key.ref));
    } catch (e) {
      throw new KoError(`cannot read the key file: ${describeFsError(e)}`);
    }
    const pem = firstPemBlock(new TextDecoder().decode(bytes));
    let pkcs8: Uint8Array;
    if (ENCRYPTED_TYPES.has(pem.type)) {
      const password = await keyPassword(key.ref, from);
      try {
        pkcs8 = await decryptCosignKey(pem.body, password);
      } catch (e) {
        if (from.env.COSIGN_PASSWORD !== undefined && /wrong password/.test(errorMessage(e))) {
          throw new KoError("wrong password in COSIGN_PASSWORD (decryption failed)");
        }
        throw e;
      }
    } else if (pem.type === "PRIVATE KEY") {
      pkcs8 = pem.body;
    } else {
      throw new KoError(unsupportedPem(pem.type));
    }
    return await keySigner(key.ref, pkcs8);
  } catch (e) {
    if (isAbortError(e)) throw e;
    throw new KoError(`${where}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Refuses KMS, keyless and other references that are not a key file. */
function refuseReferences(ref: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref)?.[1] ??
    (/^pkcs11:/i.test(ref) ? "pkcs11" : "");
  if (scheme === "") return;
  const what = /kms$|^hashivault$/i.test(scheme) ? "KMS keys are" : `${scheme}: keys are`;
  throw new KoError(
    `${what} not supported yet: give the path of a cosign private key file (cosign generate-key-pair writes cosign.key)`,
  );
}

/** The type and DER body of the first PEM block of a text. */
function firstPemBlock(text: string): { type: string; body: Uint8Array } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new KoError("not a PEM private key file");
  const lines = m[2]!.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  if (lines.some((l) => l.includes(":"))) {
    throw new KoError(`${m[1]} with PEM headers (legacy OpenSSL encryption) is not supported`);
  }
  try {
    return { type: m[1]!, body: Uint8Array.fromBase64(lines.join("")) };
  } catch {
    throw new KoError(`the ${m[1]} block is not valid base64`);
  }
}

function unsupportedPem(type: string): string {
  switch (type) {
    case "PUBLIC KEY":
      return "this is a public key: signing needs the private key (cosign.key, not cosign.pub)";
    case "EC PRIVATE KEY":
      return "SEC 1 EC keys are not read: convert it to PKCS #8 (openssl pkcs8 -topk8 -nocrypt -in KEY) or import it with cosign import-key-pair";
    case "RSA PRIVATE KEY":
      return "unsupported key type RSA: ko signs with ECDSA P-256 or Ed25519 keys";
    case "ENCRYPTED PRIVATE KEY":
      return "OpenSSL-encrypted PKCS #8 keys are not read: import it with cosign import-key-pair (an ENCRYPTED SIGSTORE PRIVATE KEY) or decrypt it";
    default:
      return `unsupported PEM block "${type}": expected a cosign private key or a PKCS #8 PRIVATE KEY`;
  }
}

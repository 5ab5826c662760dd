/**
 * Signing keys for the signing tests, made by the real tools: an encrypted cosign key pair
 * (`cosign generate-key-pair`), and unencrypted PKCS #8 P-256 and Ed25519 keys (`openssl
 * genpkey`) with their public keys.
 */
import { join } from "node:path";
import { cosignBinary } from "../helpers/cosign.ts";
import { runOk } from "../helpers/tools.ts";

/** A private key file and its public key. */
export interface KeyPair {
  key: string;
  pub: string;
}

/** The keys of a signing test. */
export interface SigningKeys {
  /** The password of `encrypted`. */
  password: string;
  encrypted: KeyPair;
  p256: KeyPair;
  ed25519: KeyPair;
}

/** Makes the keys under `dir`. */
export async function makeKeys(dir: string): Promise<SigningKeys> {
  const password = "correct horse battery staple";
  const encDir = join(dir, "keys-cosign");
  await Deno.mkdir(encDir, { recursive: true });
  await runOk(await cosignBinary(), ["generate-key-pair"], {
    cwd: encDir,
    env: { COSIGN_PASSWORD: password },
  });
  return {
    password,
    encrypted: { key: join(encDir, "cosign.key"), pub: join(encDir, "cosign.pub") },
    p256: await opensslPair(dir, "p256", [
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
    ]),
    ed25519: await opensslPair(dir, "ed25519", ["-algorithm", "ed25519"]),
  };
}

/** An unencrypted PKCS #8 private key and its PEM public key, by `openssl genpkey`. */
export async function opensslPair(dir: string, name: string, args: string[]): Promise<KeyPair> {
  const key = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub`);
  await runOk("openssl", ["genpkey", ...args, "-out", key]);
  await runOk("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
  return { key, pub };
}

/**
 * Test certificates made with the real `openssl`: a small CA, a leaf for 127.0.0.1/localhost
 * signed by it (Deno's rustls refuses a self-signed leaf used as its own CA), and token-signing
 * identities for the registry's bearer auth. Made once per process into a temp dir that is
 * removed when the process unloads.
 */

import { runOk } from "./tools.ts";

/** PEM files of a certificate and its private key. */
export interface CertFiles {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

/** The process-wide TLS material for registries in `tls` mode. */
export interface TlsCerts {
  ca: CertFiles;
  /** Leaf for `IP:127.0.0.1` and `DNS:localhost`, `basicConstraints=CA:FALSE`, signed by `ca`. */
  leaf: CertFiles;
  /** A directory holding only `ca.crt` (for `skopeo --cert-dir`, Docker's certs.d layout). */
  caDir: string;
}

let certRoot: Promise<string> | undefined;

/** The per-process directory holding generated certificates (removed on unload). */
function certDir(): Promise<string> {
  certRoot ??= Deno.makeTempDir({ prefix: "ko-test-certs-" }).then((dir) => {
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    return dir;
  });
  return certRoot;
}

async function readPair(certPath: string, keyPath: string): Promise<CertFiles> {
  return {
    certPath,
    keyPath,
    certPem: await Deno.readTextFile(certPath),
    keyPem: await Deno.readTextFile(keyPath),
  };
}

const EC_KEY = args("-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes");

/** Splits a space-separated argument list (none of ours contain spaces). */
function args(line: string): string[] {
  return line.split(" ");
}

async function makeTlsCerts(): Promise<TlsCerts> {
  const dir = `${await certDir()}/tls`;
  await Deno.mkdir(`${dir}/ca-dir`, { recursive: true });
  const ca = { cert: `${dir}/ca.pem`, key: `${dir}/ca-key.pem` };
  await runOk("openssl", [
    ...args("req -x509 -days 3650 -subj /CN=ko-test-ca"),
    ...args("-addext basicConstraints=critical,CA:TRUE"),
    ...args("-addext keyUsage=critical,keyCertSign,cRLSign"),
    ...EC_KEY,
    ...["-keyout", ca.key, "-out", ca.cert],
  ]);
  const leaf = { cert: `${dir}/leaf.pem`, key: `${dir}/leaf-key.pem`, csr: `${dir}/leaf.csr` };
  await runOk("openssl", [
    ...args("req -new -subj /CN=127.0.0.1"),
    ...EC_KEY,
    ...["-keyout", leaf.key, "-out", leaf.csr],
  ]);
  const ext = `${dir}/leaf.ext`;
  await Deno.writeTextFile(
    ext,
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
      "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await runOk("openssl", [
    ...args("x509 -req -days 3650 -CAcreateserial"),
    ...["-in", leaf.csr, "-CA", ca.cert, "-CAkey", ca.key, "-out", leaf.cert, "-extfile", ext],
  ]);
  await Deno.copyFile(ca.cert, `${dir}/ca-dir/ca.crt`);
  return {
    ca: await readPair(ca.cert, ca.key),
    leaf: await readPair(leaf.cert, leaf.key),
    caDir: `${dir}/ca-dir`,
  };
}

let tlsCerts: Promise<TlsCerts> | undefined;

/** The TLS CA and leaf, generated on first use and cached for the rest of the process. */
export function testTlsCerts(): Promise<TlsCerts> {
  tlsCerts ??= makeTlsCerts();
  return tlsCerts;
}

/**
 * A new self-signed ES256 identity for signing registry tokens (its certificate goes into the
 * registry's `rootcertbundle`). Each call makes a distinct key, so a second one is "another key".
 */
export async function createSigningIdentity(name = "ko-test-token-signer"): Promise<CertFiles> {
  const dir = `${await certDir()}/signers/${name}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir, { recursive: true });
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  await runOk("openssl", [
    ...args(`req -x509 -days 3650 -subj /CN=${name}`),
    ...EC_KEY,
    ...["-keyout", key, "-out", cert],
  ]);
  return readPair(cert, key);
}

let defaultSigner: Promise<CertFiles> | undefined;

/** The process-wide token-signing identity used by bearer-mode registries. */
export function testSigningIdentity(): Promise<CertFiles> {
  defaultSigner ??= createSigningIdentity();
  return defaultSigner;
}

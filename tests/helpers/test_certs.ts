/**
 * Test certificates made with the real `openssl`: a small CA, a leaf for 127.0.0.1/localhost
 * (and some public names, see {@link TEST_SERVER_NAMES}) signed by it (Deno's rustls refuses a
 * self-signed leaf used as its own CA), a client certificate, a self-signed CA-as-leaf
 * certificate, and token-signing identities for the registry's bearer auth. Made once per process into a temp dir that is
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

/**
 * The public names the test leaf also carries, so that a loopback registry or cloud stand-in
 * reached through a CONNECT proxy can answer for them (no traffic leaves the machine).
 */
export const TEST_SERVER_NAMES = [
  "ghcr.io",
  "docker.pkg.github.com",
  "gcr.io",
  "us-docker.pkg.dev",
  "oauth2.googleapis.com",
  "123456789012.dkr.ecr.us-east-1.amazonaws.com",
  "api.ecr.us-east-1.amazonaws.com",
  "kotest.azurecr.io",
  "login.microsoftonline.com",
  "registry.example",
] as const;

/** The process-wide TLS material for registries in `tls` mode. */
export interface TlsCerts {
  ca: CertFiles;
  /**
   * Leaf for `IP:127.0.0.1`, `DNS:localhost` and {@link TEST_SERVER_NAMES},
   * `basicConstraints=CA:FALSE`, signed by `ca`.
   */
  leaf: CertFiles;
  /** A client certificate (`extendedKeyUsage=clientAuth`) signed by `ca`, for mutual TLS. */
  client: CertFiles;
  /**
   * A self-signed certificate for `IP:127.0.0.1` and `DNS:localhost` that is its own CA
   * (`CA:TRUE`, as `openssl req -x509` makes by default): what rustls refuses as a server's
   * own certificate and Go accepts when it is named.
   */
  selfSigned: CertFiles;
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
      `extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,${
        TEST_SERVER_NAMES.map((n) => `DNS:${n}`).join(",")
      }\n`,
  );
  await runOk("openssl", [
    ...args("x509 -req -days 3650 -CAcreateserial"),
    ...["-in", leaf.csr, "-CA", ca.cert, "-CAkey", ca.key, "-out", leaf.cert, "-extfile", ext],
  ]);
  const client = {
    cert: `${dir}/client.pem`,
    key: `${dir}/client-key.pem`,
    csr: `${dir}/client.csr`,
  };
  await runOk("openssl", [
    ...args("req -new -subj /CN=ko-test-client"),
    ...EC_KEY,
    ...["-keyout", client.key, "-out", client.csr],
  ]);
  const clientExt = `${dir}/client.ext`;
  await Deno.writeTextFile(
    clientExt,
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
      "extendedKeyUsage=clientAuth\n",
  );
  await runOk("openssl", [
    ...args("x509 -req -days 3650 -CAcreateserial"),
    ...["-in", client.csr, "-CA", ca.cert, "-CAkey", ca.key, "-out", client.cert],
    ...["-extfile", clientExt],
  ]);
  const selfSigned = { cert: `${dir}/self-signed.pem`, key: `${dir}/self-signed-key.pem` };
  await runOk("openssl", [
    ...args("req -x509 -days 3650 -subj /CN=localhost"),
    ...args("-addext basicConstraints=critical,CA:TRUE"),
    ...args("-addext subjectAltName=IP:127.0.0.1,DNS:localhost"),
    ...EC_KEY,
    ...["-keyout", selfSigned.key, "-out", selfSigned.cert],
  ]);
  await Deno.copyFile(ca.cert, `${dir}/ca-dir/ca.crt`);
  return {
    ca: await readPair(ca.cert, ca.key),
    leaf: await readPair(leaf.cert, leaf.key),
    client: await readPair(client.cert, client.key),
    selfSigned: await readPair(selfSigned.cert, selfSigned.key),
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

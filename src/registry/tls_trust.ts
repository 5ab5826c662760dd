/**
 * What a registry connection trusts and presents, per registry host, as Go (and so ko),
 * Docker, podman and skopeo decide it:
 *
 * - the system CA bundle, or the file `SSL_CERT_FILE` names instead (Go's rule), plus every
 *   certificate file in the directories of `SSL_CERT_DIR` (colon-separated; hashed
 *   `openssl rehash` names or plain PEM files), on top of Deno's built-in roots;
 * - the per-registry directory `certs.d/<host[:port]>/` — the first that exists under
 *   `~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d` — whose
 *   `*.crt` files are CAs for that registry only, and whose `<name>.cert` + `<name>.key` pair
 *   is the client certificate presented to it (mutual TLS).
 *
 * Files are read on first use of a host and kept for the process. A file the user named that
 * cannot be used fails with one line naming it; no certificate or key text is ever shown.
 */
import { describeFsError } from "../util/atomic_file.ts";
import { KoError } from "../util/errors.ts";
import type { EnvGetter } from "./docker_config.ts";

/** PEM certificates from one place, and whether the user named that place. */
interface CaSource {
  /** Where they came from, for messages: `SSL_CERT_FILE (/etc/x.pem)`, a certs.d file. */
  readonly source: string;
  readonly pem: string;
  /** Named by the user (not the system bundle): a failure to use it is an error. */
  readonly explicit: boolean;
}

/** A client certificate and its key (PEM), from a certs.d directory. */
interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
  /** The certificate file, for messages. */
  readonly source: string;
}

/** What connections to one registry host trust and present. */
export interface HostTrust {
  /** `""` when nothing is specific to the host (every such host shares one HTTP client). */
  readonly key: string;
  readonly caSources: readonly CaSource[];
  readonly clientCertificate?: ClientCertificate;
}

/** Options of {@link TlsTrust}. */
interface TlsTrustOptions {
  /** Environment lookup (`SSL_CERT_FILE`, `SSL_CERT_DIR`, `HOME`). */
  env: EnvGetter;
  /** Extra CA certificates (PEM), trusted for every host. */
  caCerts?: readonly string[];
  /** Read the system bundle, `SSL_CERT_FILE` and `SSL_CERT_DIR` (default true). */
  trustSystemStore?: boolean;
  /** The certs.d roots, in order of preference; defaults to the three named above. */
  certsDirRoots?: readonly string[];
}

/** Go's list of system bundles; the first readable one is used. */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certs.d roots Docker and the containers tools read, most specific first. */
function defaultCertsDirRoots(env: EnvGetter): string[] {
  const home = env("HOME");
  return [
    ...(home ? [`${home.replace(/\/+$/, "")}/.config/containers/certs.d`] : []),
    "/etc/containers/certs.d",
    "/etc/docker/certs.d",
  ];
}

/** Reads a file as text, or throws a KoError naming it (`what` says what it is). */
function readNamed(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    throw new KoError(`cannot read ${what} "${path}": ${describeFsError(err)}`);
  }
}

/** The certificates of a PEM text, each as its own PEM block. */
function certificatesIn(text: string): string[] {
  return text.match(PEM_CERT) ?? [];
}

/** The trust of every registry host, read once per host. */
export class TlsTrust {
  readonly #opts: TlsTrustOptions;
  #common?: readonly CaSource[];
  readonly #hosts = new Map<string, HostTrust>();

  constructor(opts: TlsTrustOptions) {
    this.#opts = opts;
  }

  /**
   * What connections to `host` (`host[:port]` as in a URL) trust and present. Throws a
   * KoError naming the file when a certificate source the user named cannot be read.
   */
  forHost(host: string): HostTrust {
    const known = this.#hosts.get(host);
    if (known !== undefined) return known;
    const common = this.#commonSources();
    const dir = host === "" ? undefined : this.#certsDir(host);
    let trust: HostTrust = { key: "", caSources: common };
    if (dir !== undefined) {
      const own = readCertsDir(dir);
      trust = { ...own, key: host, caSources: [...common, ...own.caSources] };
    }
    this.#hosts.set(host, trust);
    return trust;
  }

  /** The sources every host trusts: given certificates, system bundle, SSL_CERT_FILE/DIR. */
  #commonSources(): readonly CaSource[] {
    if (this.#common !== undefined) return this.#common;
    const { env } = this.#opts;
    const out: CaSource[] = (this.#opts.caCerts ?? []).map((pem, i) => {
      if (certificatesIn(pem).length === 0) {
        throw new KoError(
          `CA certificate #${i + 1} is not PEM: expected "-----BEGIN CERTIFICATE-----"`,
        );
      }
      return { source: `CA certificate #${i + 1}`, pem, explicit: true };
    });
    if (this.#opts.trustSystemStore !== false) {
      const file = env("SSL_CERT_FILE");
      if (file) out.push(explicitFile(file, `SSL_CERT_FILE (${file})`, "SSL_CERT_FILE"));
      else {
        const bundle = systemBundle();
        if (bundle !== undefined) out.push(bundle);
      }
      for (const dir of (env("SSL_CERT_DIR") ?? "").split(":").filter((d) => d !== "")) {
        out.push(...certDirSources(dir));
      }
    }
    this.#common = out;
    return out;
  }

  /** The first existing `<root>/<host>` directory of the certs.d roots. */
  #certsDir(host: string): string | undefined {
    const roots = this.#opts.certsDirRoots ?? defaultCertsDirRoots(this.#opts.env);
    for (const root of roots) {
      const dir = `${root}/${host}`;
      try {
        if (Deno.statSync(dir).isDirectory) return dir;
      } catch {
        // not configured here
      }
    }
    return undefined;
  }
}

/** A PEM file the user named: it must be readable and hold a certificate. */
function explicitFile(path: string, source: string, what: string): CaSource {
  const pem = readNamed(path, `the CA certificates of ${what}`);
  if (certificatesIn(pem).length === 0) {
    throw new KoError(`${source} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  }
  return { source, pem, explicit: true };
}

/** The first readable system bundle, or undefined (Deno's built-in roots still apply). */
function systemBundle(): CaSource | undefined {
  for (const path of SYSTEM_BUNDLES) {
    try {
      const pem = Deno.readTextFileSync(path);
      if (certificatesIn(pem).length > 0) return { source: path, pem, explicit: false };
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * The certificates of every file in an `SSL_CERT_DIR` directory (hashed links and plain files
 * alike, each certificate once). Files that hold no certificate are skipped, as Go does.
 */
function certDirSources(dir: string): CaSource[] {
  const names: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) if (!e.isDirectory) names.push(e.name);
  } catch (err) {
    throw new KoError(
      `cannot read the CA certificates of SSL_CERT_DIR "${dir}": ${describeFsError(err)}`,
    );
  }
  const seen = new Set<string>();
  const out: CaSource[] = [];
  for (const name of names.sort()) {
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      if (err instanceof Deno.errors.IsADirectory) continue;
      throw new KoError(
        `cannot read the CA certificate "${path}" (SSL_CERT_DIR): ${describeFsError(err)}`,
      );
    }
    const fresh = certificatesIn(text).filter((c) => !seen.has(c));
    for (const c of fresh) seen.add(c);
    if (fresh.length > 0) {
      out.push({ source: `SSL_CERT_DIR (${path})`, pem: fresh.join("\n"), explicit: true });
    }
  }
  return out;
}

/**
 * A certs.d directory: `*.crt` CA files, and at most one `<name>.cert`/`<name>.key` client
 * pair. A certificate without its key (or a key without its certificate) is an error, as in
 * the containers tools.
 */
function readCertsDir(dir: string): Omit<HostTrust, "key"> {
  const names: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) names.push(e.name);
  } catch (err) {
    throw new KoError(`cannot read the registry certificates in "${dir}": ${describeFsError(err)}`);
  }
  const caSources: CaSource[] = [];
  let clientCertificate: ClientCertificate | undefined;
  for (const name of names.sort()) {
    const path = `${dir}/${name}`;
    if (name.endsWith(".crt")) {
      caSources.push(explicitFile(path, path, "the CA certificate"));
    } else if (name.endsWith(".cert")) {
      const keyName = `${name.slice(0, -".cert".length)}.key`;
      if (!names.includes(keyName)) {
        throw new KoError(
          `the client certificate "${path}" has no key "${keyName}" next to it (CA certificates end in .crt)`,
        );
      }
      const cert = readNamed(path, "the client certificate");
      if (certificatesIn(cert).length === 0) {
        throw new KoError(`the client certificate "${path}" holds no PEM certificate`);
      }
      const key = readNamed(`${dir}/${keyName}`, "the client key");
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
        throw new KoError(`the client key "${dir}/${keyName}" holds no PEM private key`);
      }
      clientCertificate ??= { cert, key, source: path };
    } else if (name.endsWith(".key")) {
      const certName = `${name.slice(0, -".key".length)}.cert`;
      if (!names.includes(certName)) {
        throw new KoError(`the client key "${path}" has no certificate "${certName}" next to it`);
      }
    }
  }
  return { caSources, ...(clientCertificate ? { clientCertificate } : {}) };
}

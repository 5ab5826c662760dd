/**
 * The HTTP client registry requests go through: Deno's built-in roots, plus the system CA
 * bundle (so a privately installed CA works), plus any extra PEM certificates given.
 */
import { debug } from "../util/log.ts";
import { errorMessage, KoError } from "../util/errors.ts";

/** TLS trust options of the registry client. */
export interface TlsOptions {
  /** Extra CA certificates (PEM text) to trust, e.g. a test or corporate CA. */
  caCerts?: string[];
  /** Also trust the system bundle (`$SSL_CERT_FILE`, else /etc/ssl/certs/ca-certificates.crt). */
  trustSystemStore?: boolean;
  /** Environment lookup, for tests; defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
}

const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** The system CA bundle's PEM text, or undefined when there is none readable. */
function readSystemBundle(env: (name: string) => string | undefined): string | undefined {
  const path = env("SSL_CERT_FILE") || SYSTEM_BUNDLE;
  try {
    const text = Deno.readTextFileSync(path);
    return text.includes("-----BEGIN CERTIFICATE-----") ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the Deno HTTP client for registry traffic. Throws a KoError when an extra CA
 * certificate cannot be used; an unusable system bundle is skipped with a debug line.
 */
export function createRegistryHttpClient(opts: TlsOptions = {}): Deno.HttpClient {
  const env = opts.env ?? ((n: string) => Deno.env.get(n));
  const extra = opts.caCerts ?? [];
  for (const [i, pem] of extra.entries()) {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new KoError(
        `CA certificate #${i + 1} is not PEM: expected "-----BEGIN CERTIFICATE-----"`,
      );
    }
  }
  const system = opts.trustSystemStore === false ? undefined : readSystemBundle(env);
  if (system !== undefined) {
    try {
      return createClient({ caCerts: [system, ...extra] });
    } catch (err) {
      debug(`ignoring the system CA bundle: ${errorMessage(err)}`);
    }
  }
  try {
    return createClient({ caCerts: extra });
  } catch (err) {
    throw new KoError(`cannot use the given CA certificates: ${errorMessage(err)}`);
  }
}

const PROXY_VARS = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
];
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"];

/**
 * `Deno.createHttpClient`, except that `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` never apply to
 * loopback hosts, as in Go (ko's `http.ProxyFromEnvironment`): a corporate proxy cannot reach a
 * registry on this machine. Deno reads `NO_PROXY` when a client is created, so the loopback
 * names are added to it for that moment only.
 */
function createClient(options: Deno.CreateHttpClientOptions): Deno.HttpClient {
  if (!PROXY_VARS.some((name) => Deno.env.get(name))) return Deno.createHttpClient(options);
  const saved = { NO_PROXY: Deno.env.get("NO_PROXY"), no_proxy: Deno.env.get("no_proxy") };
  const current = (saved.NO_PROXY ?? saved.no_proxy ?? "").split(",").map((h) => h.trim())
    .filter((h) => h !== "");
  if (current.includes("*")) return Deno.createHttpClient(options);
  const merged = [...current, ...LOOPBACK_HOSTS.filter((h) => !current.includes(h))].join(",");
  try {
    Deno.env.set("NO_PROXY", merged);
    if (saved.no_proxy !== undefined) Deno.env.set("no_proxy", merged);
    return Deno.createHttpClient(options);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
}

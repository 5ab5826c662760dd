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
export function readSystemBundle(env: (name: string) => string | undefined): string | undefined {
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
      return Deno.createHttpClient({ caCerts: [system, ...extra] });
    } catch (err) {
      debug(`ignoring the system CA bundle: ${errorMessage(err)}`);
    }
  }
  try {
    return Deno.createHttpClient({ caCerts: extra });
  } catch (err) {
    throw new KoError(`cannot use the given CA certificates: ${errorMessage(err)}`);
  }
}

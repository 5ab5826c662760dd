/**
 * The registry transport, assembled in {@link createTransport}: the one place that decides
 * which layers every registry request goes through, and in what order. Each layer is a
 * function wrapping the next {@link RoundTrip} (round_trip.ts), one concern each.
 */
import { openConnections } from "./connection.ts";
import type { EnvGetter } from "./docker_config.ts";
import { idleTimeoutFromEnv, withIdleTimeout } from "./idle_timeout.ts";
import { withRedirects } from "./redirects.ts";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "./retry.ts";
import type { RoundTrip } from "./round_trip.ts";
import { TlsTrust } from "./tls_trust.ts";
import { DEFAULT_USER_AGENT, withUserAgent } from "./user_agent.ts";
import { withWarningLog } from "./warnings.ts";

/** Options of the transport. */
interface TransportOptions {
  /** The run's environment (TLS trust and proxy variables); defaults to the process's. */
  env?: EnvGetter;
  /** Extra CA certificates (PEM) to trust, e.g. a test or corporate CA. */
  caCerts?: string[];
  /** Also trust the system bundle, `SSL_CERT_FILE` and `SSL_CERT_DIR` (default true). */
  trustSystemStore?: boolean;
  /** The certs.d roots (tls_trust.ts); defaults to the user's and /etc's. */
  certsDirRoots?: readonly string[];
  /** Retry policy overrides (tests use tiny delays). */
  retry?: Partial<RetryPolicy>;
  /** The `User-Agent` header; `ko/<version>`. */
  userAgent?: string;
  /**
   * Registries (`host[:port]`, exactly: another port of the host is another registry) whose
   * HTTPS certificates are not verified (`--insecure-registry`).
   */
  unverifiedTls?: readonly string[];
  /**
   * How long a request may make no progress before it fails (and is retried); defaults to
   * `KO_REGISTRY_TIMEOUT` of the environment, else 30 s.
   */
  idleTimeoutMs?: number;
}

/** The assembled transport: what the session, the ping and the token flow send through. */
export interface Transport {
  /** Sends a request through every layer. */
  readonly send: RoundTrip;
  /** The retry policy in force, also used for whole-operation retries. */
  readonly policy: RetryPolicy;
  /** Releases every pooled connection. */
  close(): void;
}

/**
 * Builds the transport. From the outside in:
 *
 * 1. retries: each attempt replays the whole redirect chain, with the body re-opened;
 * 2. redirects: followed by hand, `Authorization` kept to the original host;
 * 3. `Warning` headers: logged once each, from every hop;
 * 4. `User-Agent`: set on every hop;
 * 5. the idle timeout: each hop fails when it makes no progress for the limit;
 * 6. connections: `fetch` with the host's TLS trust and the proxy rules, or Node's HTTP client
 *    where `fetch` cannot go (blocked ports, unverified TLS).
 *
 * Authentication sits above this, in the session (session.ts, auth.ts).
 */
export function createTransport(opts: TransportOptions = {}): Transport {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const env = opts.env ?? ((name: string) => Deno.env.get(name));
  const trust = new TlsTrust({
    env,
    ...(opts.caCerts ? { caCerts: opts.caCerts } : {}),
    ...(opts.trustSystemStore !== undefined ? { trustSystemStore: opts.trustSystemStore } : {}),
    ...(opts.certsDirRoots ? { certsDirRoots: opts.certsDirRoots } : {}),
  });
  const connections = openConnections({ trust, unverifiedTls: opts.unverifiedTls ?? [], env });
  const idleMs = opts.idleTimeoutMs ?? idleTimeoutFromEnv(env("KO_REGISTRY_TIMEOUT"));
  const bounded = withIdleTimeout(connections.send, idleMs);
  const hop = withUserAgent(bounded, opts.userAgent ?? DEFAULT_USER_AGENT);
  const send = withRetries(withRedirects(withWarningLog(hop)), policy);
  return { send, policy, close: () => connections.close() };
}

/**
 * The HTTP layer under every registry request: one Deno HTTP client (custom CAs), the
 * `User-Agent`, retries with backoff (replaying bodies through a factory), manual redirects
 * that never carry `Authorization` to another host, and `Warning` headers logged once each.
 */
import { KoError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { debug, info, warn } from "../util/log.ts";
import { createRegistryHttpClient, type TlsOptions } from "./http_client.ts";
import { classifyNetworkError, networkError } from "./http_errors.ts";
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  retryDelay,
  type RetryPolicy,
  sleep,
} from "./retry.ts";
import { isLinkLocalHost, registryHost } from "./scheme.ts";
import { tunnelFailure } from "./tunnel_failure.ts";
import type { UnverifiedTlsTunnel } from "./unverified_tls.ts";

/** A retry wait at least this long is logged for the user, not only with `-v`. */
const VISIBLE_WAIT_MS = 1000;
/** Produces a request body; called again for each attempt, so streams are re-opened. */
export type BodyFactory = () => BodyPayload | Promise<BodyPayload>;

/** What a body factory returns: any fetch body, or bytes of any buffer kind. */
export type BodyPayload = BodyInit | Uint8Array | null;

/** One request through the transport. */
export interface TransportRequest {
  method: string;
  url: URL;
  /** The registry the request is for, as messages name it. */
  registry: string;
  headers?: Record<string, string>;
  /** Sent only to the request URL's host, never across a redirect to another host. */
  authorization?: string;
  body?: BodyFactory;
  signal?: AbortSignal;
  /** Retry on retryable statuses and network errors (default true). */
  retry?: boolean;
}

/** Options of the transport. */
export interface TransportOptions extends TlsOptions {
  /** Retry policy overrides (tests use tiny delays). */
  retry?: Partial<RetryPolicy>;
  /** The `User-Agent` header; `ko/<version>`. */
  userAgent?: string;
  /** An HTTP client to use instead of creating one (the caller then owns closing it). */
  httpClient?: Deno.HttpClient;
  /**
   * Registries (`host[:port]`, or `host` for any port) whose HTTPS certificates are not
   * verified (`--insecure-registry`): requests to their host name go through an
   * {@link UnverifiedTlsTunnel}.
   */
  unverifiedTls?: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** The `User-Agent` used when none is configured: `ko/<version>`. */
export const DEFAULT_USER_AGENT = `ko/${VERSION}`;

const attemptsOf = new WeakMap<Response, number>();

/** How many attempts the transport made before handing back this response (1 if unknown). */
export function attemptsMade(res: Response): number {
  return attemptsOf.get(res) ?? 1;
}

/** A URL for debug lines: long query values (upload `_state`) shortened. */
function shown(url: URL): string {
  return url.href.replace(/([?&][^=&]+=)([^&]{48})[^&]+/g, "$1$2…");
}

/** Extracts the texts of `Warning: 299 - "text"` header values. */
export function parseWarnings(header: string): string[] {
  const out: string[] = [];
  const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    out.push((m[1] ?? "").replace(/\\(.)/g, "$1"));
  }
  return out;
}

/** Sends registry HTTP requests with retries, redirects and the shared HTTP client. */
export class Transport {
  /** The retry policy in force. */
  readonly policy: RetryPolicy;
  readonly #userAgent: string;
  readonly #client: Deno.HttpClient;
  readonly #ownsClient: boolean;
  readonly #warned = new Set<string>();
  /** Hosts that have answered at least once: a refused connection to them is transient. */
  readonly #reached = new Set<string>();
  /** Host names (lower case) whose certificates are not verified. */
  readonly #unverified: Set<string>;
  /** Tunnels for those hosts, by `host:port`. */
  readonly #tunnels = new Map<string, UnverifiedTlsTunnel>();

  constructor(opts: TransportOptions = {}) {
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.#userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.#ownsClient = opts.httpClient === undefined;
    this.#client = opts.httpClient ?? createRegistryHttpClient(opts);
    this.#unverified = new Set((opts.unverifiedTls ?? []).map((r) => registryHost(r)));
  }

  /** Releases the HTTP client's connections. */
  close(): void {
    if (this.#ownsClient) this.#client.close();
    for (const tunnel of this.#tunnels.values()) tunnel.close();
    this.#tunnels.clear();
  }

  /**
   * The client for a URL: a tunnel skipping verification for unverified HTTPS hosts (its
   * module, and `node:tls`, loaded only then).
   */
  async #clientFor(url: URL): Promise<Deno.HttpClient> {
    const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (url.protocol !== "https:" || !this.#unverified.has(hostname)) return this.#client;
    const key = `${hostname}:${url.port || "443"}`;
    let tunnel = this.#tunnels.get(key);
    if (tunnel === undefined) {
      const { UnverifiedTlsTunnel } = await import("./unverified_tls.ts");
      tunnel = this.#tunnels.get(key) ??
        new UnverifiedTlsTunnel(hostname, Number(url.port || "443"));
      this.#tunnels.set(key, tunnel);
    }
    return tunnel.client;
  }

  /**
   * Sends a request and returns the final response (whatever its status, after retries and
   * redirects). Throws a NetworkError when no answer came, or the AbortError when aborted.
   */
  async send(req: TransportRequest): Promise<Response> {
    const attempts = req.retry === false ? 1 : Math.max(1, this.policy.attempts);
    for (let attempt = 1;; attempt++) {
      let res: Response;
      try {
        res = await this.#follow(req);
      } catch (err) {
        if (req.signal?.aborted || err instanceof KoError) throw err;
        const c = classifyNetworkError(err);
        const retryable = c.refused ? this.#reached.has(req.url.host) : c.retryable;
        const ne = networkError(req.registry, err, retryable);
        if (!retryable || attempt >= attempts) {
          if (attempt > 1) ne.message += ` (gave up after ${attempt} attempts)`;
          throw ne;
        }
        const delay = retryDelay(this.policy, attempt, undefined);
        debug(`retrying ${req.method} ${shown(req.url)} in ${delay} ms: ${c.reason}`);
        await sleep(delay, req.signal);
        continue;
      }
      this.#reached.add(req.url.host);
      if (!RETRYABLE_STATUSES.has(res.status) || attempt >= attempts) {
        attemptsOf.set(res, attempt);
        return res;
      }
      const delay = retryDelay(
        this.policy,
        attempt,
        parseRetryAfter(res.headers.get("retry-after")),
      );
      await res.body?.cancel();
      if (delay >= VISIBLE_WAIT_MS) {
        // A wait the user would notice (a Retry-After) is said, not left as a silent pause.
        info(
          `${req.registry} answered ${res.status} to ${req.method} ${shown(req.url)}; ` +
            `retrying in ${Math.round(delay / 1000)} s`,
        );
      } else {
        debug(`retrying ${req.method} ${shown(req.url)} in ${delay} ms: ${res.status}`);
      }
      await sleep(delay, req.signal);
    }
  }

  /** One attempt: the request and any redirects it leads to. */
  async #follow(req: TransportRequest): Promise<Response> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    for (let hop = 0;; hop++) {
      const headers = new Headers(req.headers);
      headers.set("user-agent", this.#userAgent);
      if (req.authorization !== undefined && url.host === req.url.host) {
        headers.set("authorization", req.authorization);
      }
      if (body === undefined) headers.delete("content-type");
      const payload = body ? await body() : null;
      const init: RequestInit & { client: Deno.HttpClient; duplex?: "half" } = {
        method,
        headers,
        body: payload as BodyInit | null,
        redirect: "manual",
        client: await this.#clientFor(url),
      };
      if (req.signal) init.signal = req.signal;
      if (payload instanceof ReadableStream) init.duplex = "half";
      debug(`--> ${method} ${shown(url)}`);
      const res = await fetch(url, init);
      if (init.client !== this.#client) {
        const failure = tunnelFailure(res);
        if (failure !== undefined) {
          await res.body?.cancel();
          throw failure;
        }
      }
      debug(`<-- ${res.status} ${method} ${shown(url)}`);
      this.#logWarnings(res, req.registry);
      const location = res.headers.get("location");
      if (!REDIRECT_STATUSES.has(res.status) || location === null) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw new KoError(`${method} ${shown(req.url)}: more than ${MAX_REDIRECTS} redirects`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new KoError(`${method} ${shown(url)}: invalid redirect Location "${location}"`);
      }
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new KoError(`${method} ${url}: refusing redirect to "${next.protocol}" URL`);
      }
      if (next.host !== url.host && isLinkLocalHost(next.hostname)) {
        throw new KoError(`${method} ${url}: refusing redirect to link-local host ${next.host}`);
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
      }
      url = next;
    }
  }

  #logWarnings(res: Response, registry: string): void {
    const header = res.headers.get("warning");
    if (header === null) return;
    for (const text of parseWarnings(header)) {
      if (this.#warned.has(text)) continue;
      this.#warned.add(text);
      warn(`registry ${registry}: ${text}`);
    }
  }
}

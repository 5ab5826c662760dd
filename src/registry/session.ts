/**
 * Authenticated requests to one repository: ping once per registry (cached), add the
 * `Authorization` the registry's challenge calls for, and on a 401 carrying a new challenge
 * (e.g. `insufficient_scope`) refresh the token once with the extra scopes and try again.
 */
import { KoError } from "../util/errors.ts";
import type { Authenticator } from "./auth.ts";
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.ts";
import { type AuthAttempt, errorFromResponse, networkError } from "./http_errors.ts";
import { ping, type PingResult } from "./ping.ts";
import { mergeScopes, type RepositoryRef, scopeKey } from "./scope.ts";
import { attemptsMade } from "./retry.ts";
import type { BodyFactory } from "./round_trip.ts";
import type { Transport } from "./transport.ts";

/** One request made through a session. */
interface SessionRequest {
  method: string;
  /** A path under the registry (`/v2/…`) or an absolute URL (upload locations, `Link`s). */
  url: string | URL;
  headers?: Record<string, string>;
  body?: BodyFactory;
  signal?: AbortSignal;
  /** Retry on retryable statuses and network errors (default true). */
  retry?: boolean;
  /** Statuses handed back to the caller; any other becomes a RegistryError. */
  expect: readonly number[];
  /** What the request does, for messages: `PUT 127.0.0.1:5000/app manifest latest`. */
  context: string;
}

/** Options of a session. */
interface SessionOptions {
  transport: Transport;
  authenticator: Authenticator;
  /** `--insecure-registry` entries: plain HTTP allowed besides what scheme.ts allows anyway. */
  insecureRegistries?: readonly string[];
}

/** Sends authenticated requests; safe to share between concurrent operations. */
export class Session {
  /** The transport underneath. */
  readonly transport: Transport;
  readonly #auth: Authenticator;
  readonly #insecure: readonly string[];
  readonly #pings = new Map<string, Promise<PingResult>>();
  /** Challenges learned from 401s on registries whose ping was anonymous. */
  readonly #challenges = new Map<string, Challenge>();
  /** Scope sets widened after `insufficient_scope`, by registry and original scope set. */
  readonly #widened = new Map<string, string[]>();

  constructor(opts: SessionOptions) {
    this.transport = opts.transport;
    this.#auth = opts.authenticator;
    this.#insecure = opts.insecureRegistries ?? [];
  }

  /** Pings a registry once (concurrent callers share the ping; failures are not cached). */
  ping(registry: string, signal?: AbortSignal): Promise<PingResult> {
    let p = this.#pings.get(registry);
    if (p === undefined) {
      p = ping(this.transport.send, registry, {
        insecure: this.#insecure,
        ...(signal ? { signal } : {}),
      });
      this.#pings.set(registry, p);
      p.catch(() => this.#pings.delete(registry));
    }
    return p;
  }

  /**
   * Sends a request on `repo` with the given scopes and returns the response when its status
   * is in `expect`; throws a RegistryError (from the body) otherwise, a NetworkError when the
   * registry cannot be reached.
   */
  async request(
    repo: RepositoryRef,
    scopes: readonly string[],
    req: SessionRequest,
  ): Promise<Response> {
    const { registry, repository } = repo;
    const p = await this.ping(registry, req.signal);
    const base = new URL(`${p.scheme}://${registry}`);
    const url = typeof req.url === "string" ? new URL(req.url, base) : req.url;
    const widenKey = `${registry}\n${scopeKey(scopes)}`;
    let wanted = this.#widened.get(widenKey) ?? [...scopes];
    let challenge = p.challenge ?? this.#challenges.get(registry);
    for (let refreshed = false;; refreshed = true) {
      const authorization = url.host === base.host
        ? await this.#auth.authorization(registry, repository, challenge, wanted, {
          refresh: refreshed,
        })
        : undefined;
      const res = await this.transport.send({
        method: req.method,
        url,
        registry,
        ...(authorization !== undefined ? { authorization } : {}),
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.body ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.retry === false ? { retry: false } : {}),
      });
      if (res.status === 401 && !refreshed && !req.expect.includes(401)) {
        const header = res.headers.get("www-authenticate");
        const fresh = header === null ? undefined : pickChallenge(parseChallenges(header));
        if (fresh !== undefined || challenge !== undefined) {
          await res.body?.cancel();
          if (fresh !== undefined) {
            const extra = fresh.params.scope?.split(" ").filter((s) => s !== "") ?? [];
            if (extra.length > 0 && extra.some((s) => !wanted.includes(s))) {
              wanted = mergeScopes(wanted, extra);
              this.#widened.set(widenKey, wanted);
            }
            if (p.challenge === undefined) this.#challenges.set(registry, fresh);
            challenge = fresh;
          }
          continue;
        }
      }
      if (req.expect.includes(res.status)) return res;
      const error = await errorFromResponse(
        res,
        req.context,
        registry,
        await this.#authAttempt(registry, repository, challenge, res.status),
      );
      const attempts = attemptsMade(res);
      if (attempts > 1) error.message += ` (gave up after ${attempts} attempts)`;
      throw error;
    }
  }

  /**
   * What authenticated a request that got 401/403, when credentials were asked for (the
   * registry sent a challenge); undefined otherwise or when they cannot be resolved.
   */
  async #authAttempt(
    registry: string,
    repository: string,
    challenge: Challenge | undefined,
    status: number,
  ): Promise<AuthAttempt | undefined> {
    if ((status !== 401 && status !== 403) || challenge === undefined) return undefined;
    const cred = await this.#auth.credential(registry, repository).catch(() => undefined);
    if (cred === undefined) return undefined;
    const found = !!(cred.registryToken || cred.identityToken || cred.username || cred.password);
    return {
      found,
      ...(cred.source ? { source: cred.source } : {}),
      ...(cred.unavailable ? { unavailable: cred.unavailable } : {}),
      refusedOn401: challenge.scheme === "basic" && !cred.registryToken,
    };
  }
}

/** Reads a whole response body; a connection lost mid-body becomes a NetworkError. */
export async function readBody(res: Response, registry: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof KoError) throw err;
    throw networkError(registry, err, true);
  }
}

/**
 * Answers registry challenges: the `Authorization` header for a request, from the resolved
 * credentials (Basic), a registry token used as is, or a Bearer token from the token
 * endpoint, cached per registry and scope set. Concurrent requests for the same token share
 * one fetch.
 */
import type { Challenge } from "./challenge.ts";
import type { Credential, Keychain } from "./credentials.ts";
import { scopeKey } from "./scope.ts";
import { fetchToken, type RegistryToken } from "./token.ts";
import type { RoundTrip } from "./round_trip.ts";

/** `Basic base64(user:password)`. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Computes `Authorization` headers for registry requests. */
export class Authenticator {
  readonly #send: RoundTrip;
  readonly #keychain: Keychain;
  readonly #credentials = new Map<string, { found: Promise<Credential>; expiresAt?: number }>();
  readonly #tokens = new Map<string, RegistryToken>();
  readonly #pending = new Map<string, Promise<RegistryToken>>();
  readonly #check: (() => Promise<void>) | undefined;
  #checked: Promise<void> | undefined;

  /**
   * `send` is the transport the token endpoint is reached through; `check`, when given, runs
   * once before the first request is authorised, anonymous or not (the credentials files
   * parse), and its failure fails every request.
   */
  constructor(send: RoundTrip, keychain: Keychain, check?: () => Promise<void>) {
    this.#send = send;
    this.#keychain = keychain;
    this.#check = check;
  }

  /**
   * The credentials for a repository, resolved once per registry and repository (again a
   * minute before credentials a cloud issued for a while expire).
   */
  credential(registry: string, repository: string): Promise<Credential> {
    const key = `${registry}/${repository}`;
    const cached = this.#credentials.get(key);
    if (
      cached !== undefined &&
      !(cached.expiresAt !== undefined && cached.expiresAt - 60_000 < Date.now())
    ) {
      return cached.found;
    }
    const entry: { found: Promise<Credential>; expiresAt?: number } = {
      found: this.#keychain(registry, repository),
    };
    this.#credentials.set(key, entry);
    entry.found.then((c) => {
      if (c.expiresAt !== undefined) entry.expiresAt = c.expiresAt;
    }, () => this.#credentials.delete(key));
    return entry.found;
  }

  /**
   * The `Authorization` header answering `challenge` for a request on `repository` needing
   * `scopes`; undefined to go anonymous. `refresh` skips the token cache (after a 401).
   */
  async authorization(
    registry: string,
    repository: string,
    challenge: Challenge | undefined,
    scopes: readonly string[],
    opts: { refresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    if (this.#check) await (this.#checked ??= this.#check());
    if (challenge === undefined) return undefined;
    const cred = await this.credential(registry, repository);
    if (cred.registryToken) return `Bearer ${cred.registryToken}`;
    if (challenge.scheme === "basic") {
      return cred.username !== undefined && cred.password !== undefined
        ? basicAuthorization(cred.username, cred.password)
        : undefined;
    }
    const token = await this.#token(registry, challenge, scopes, cred, opts.refresh === true);
    return `Bearer ${token.value}`;
  }

  #token(
    registry: string,
    challenge: Challenge,
    scopes: readonly string[],
    credential: Credential,
    refresh: boolean,
  ): Promise<RegistryToken> {
    const key = `${registry}\n${challenge.params.realm ?? ""}\n${scopeKey(scopes)}`;
    const cached = this.#tokens.get(key);
    if (!refresh && cached !== undefined && cached.expiresAt > Date.now()) {
      return Promise.resolve(cached);
    }
    const inFlight = this.#pending.get(key);
    if (inFlight !== undefined) return inFlight;
    // Shared by every waiting request, so not tied to one caller's AbortSignal.
    const p = fetchToken(this.#send, { registry, challenge, scopes, credential }).then((t) => {
      this.#tokens.set(key, t);
      return t;
    }).finally(() => this.#pending.delete(key));
    this.#pending.set(key, p);
    return p;
  }
}

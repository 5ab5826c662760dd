/**
 * The Docker token flow: exchange credentials at the Bearer challenge's realm for a registry
 * token. `GET realm?service=…&scope=…` (one `scope` per scope, Basic credentials when known),
 * or for an identity token the OAuth2 `POST grant_type=refresh_token`, falling back to GET
 * when the endpoint answers 404.
 */
import { KoError } from "../util/errors.ts";
import type { Challenge } from "./challenge.ts";
import type { Credential } from "./credentials.ts";
import { errorFromResponse, NetworkError } from "./http_errors.ts";
import { internalAddress } from "./scheme.ts";
import type { RoundTrip } from "./round_trip.ts";

/** A registry token and when it stops being usable (epoch milliseconds). */
export interface RegistryToken {
  value: string;
  expiresAt: number;
}

/** What a token request needs. */
export interface TokenRequest {
  registry: string;
  challenge: Challenge;
  scopes: readonly string[];
  credential: Credential;
  signal?: AbortSignal;
  /** OAuth2 `client_id`. */
  clientId?: string;
}

/** Tokens last at least this long when the server does not say (distribution's default). */
const MIN_TOKEN_LIFETIME_S = 60;

/** Validates the challenge's realm as an http(s) URL that is not a link-local host. */
export function realmUrl(challenge: Challenge, registry: string): URL {
  const realm = challenge.params.realm;
  if (realm === undefined || realm === "") {
    throw new KoError(`registry ${registry} sent a Bearer challenge without a realm`);
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new KoError(`registry ${registry} sent an invalid token realm "${realm}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new KoError(`registry ${registry} sent an invalid token realm "${realm}": not http(s)`);
  }
  if (internalAddress(url.hostname) === "link-local") {
    throw new KoError(
      `registry ${registry} sent a token realm on a link-local host "${realm}": refusing it`,
    );
  }
  return url;
}

/** Parses a token endpoint's JSON answer into a RegistryToken. */
export function parseTokenResponse(text: string, realm: string, now = Date.now()): RegistryToken {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new KoError(`token endpoint ${realm} answered with invalid JSON`);
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const token = typeof o.token === "string" && o.token !== ""
    ? o.token
    : typeof o.access_token === "string" && o.access_token !== ""
    ? o.access_token
    : undefined;
  if (token === undefined) {
    throw new KoError(`token endpoint ${realm} answered without "token" or "access_token"`);
  }
  const expires = typeof o.expires_in === "number" && Number.isFinite(o.expires_in)
    ? Math.max(MIN_TOKEN_LIFETIME_S, o.expires_in)
    : MIN_TOKEN_LIFETIME_S;
  // Renew a little early so a token never expires in flight.
  const margin = Math.min(10, expires / 10);
  return { value: token, expiresAt: now + (expires - margin) * 1000 };
}

function basicHeader(username: string, password: string): string {
  return `Basic ${
    btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))
  }`;
}

/** Where the realm lives, for messages: origin and path, no query. */
function realmName(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Sends to the token endpoint; a failure to connect says whose token it was for and names
 * the endpoint (`getting a token for ghcr.io from https://ghcr.io/token: cannot reach …`).
 */
async function send(
  roundTrip: RoundTrip,
  req: TokenRequest,
  url: URL,
  init: { method: string; authorization?: string; body?: string; contentType?: string },
): Promise<Response> {
  try {
    return await sendOnce(roundTrip, req, url, init);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    const reason = err.message.replace(`cannot reach registry ${url.host}: `, "");
    throw new NetworkError(
      `getting a token for ${req.registry} from ${
        realmName(url)
      }: cannot reach ${url.host}: ${reason}`,
      { retryable: err.retryable, tls: err.tls, cause: err },
    );
  }
}

function sendOnce(
  roundTrip: RoundTrip,
  req: TokenRequest,
  url: URL,
  init: { method: string; authorization?: string; body?: string; contentType?: string },
): Promise<Response> {
  return roundTrip({
    method: init.method,
    url,
    registry: url.host,
    ...(init.authorization ? { authorization: init.authorization } : {}),
    ...(init.body !== undefined ? { body: () => init.body ?? null } : {}),
    ...(init.contentType ? { headers: { "content-type": init.contentType } } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
}

/**
 * Gets a token for the scopes from the challenge's realm. Throws a KoError (with a `ko login`
 * hint on 401/403) when the endpoint refuses.
 */
export async function fetchToken(roundTrip: RoundTrip, req: TokenRequest): Promise<RegistryToken> {
  const realm = realmUrl(req.challenge, req.registry);
  const service = req.challenge.params.service;
  const cred = req.credential;
  const context = `getting a token for ${req.registry} from ${realmName(realm)}`;
  let res: Response | undefined;
  if (cred.identityToken) {
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: cred.identityToken,
      client_id: req.clientId ?? "ko",
    });
    if (service !== undefined) form.set("service", service);
    if (req.scopes.length > 0) form.set("scope", req.scopes.join(" "));
    res = await send(roundTrip, req, realm, {
      method: "POST",
      body: form.toString(),
      contentType: "application/x-www-form-urlencoded",
    });
    if (res.status === 404) {
      await res.body?.cancel();
      res = undefined;
    }
  }
  if (res === undefined) {
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set("service", service);
    for (const s of req.scopes) url.searchParams.append("scope", s);
    const authorization = cred.username !== undefined && cred.password !== undefined
      ? basicHeader(cred.username, cred.password)
      : undefined;
    res = await send(roundTrip, req, url, {
      method: "GET",
      ...(authorization ? { authorization } : {}),
    });
  }
  if (!res.ok) {
    const found = !!(cred.identityToken || cred.username || cred.password);
    throw await errorFromResponse(res, context, req.registry, {
      found,
      ...(cred.source ? { source: cred.source } : {}),
      refusedOn401: true,
    });
  }
  return parseTokenResponse(await res.text(), realmName(realm));
}

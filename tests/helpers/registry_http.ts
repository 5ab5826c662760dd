/**
 * A minimal authenticated `fetch` against a test registry, independent of src/registry, for
 * fixtures and for tests that check what a client under test really wrote.
 */

import type { RegistryServer } from "./registry_server.ts";
import { type SkopeoRegistryOptions, waitFor } from "./tools.ts";

/** Options for {@link registryFetch}. */
export interface RegistryFetchOptions {
  /** Token scope(s) in bearer mode; derived from the path when omitted. */
  scope?: string | string[];
  /** Send no credentials at all. */
  anonymous?: boolean;
}

const tokenCache = new WeakMap<RegistryServer, Map<string, string>>();

/**
 * Fetches `path` (relative to the registry URL, or an absolute URL such as an upload Location)
 * with the server's credentials: Basic in basic mode, a token from the token server in bearer
 * mode, the test CA in tls mode.
 */
export async function registryFetch(
  server: RegistryServer,
  path: string,
  init: RequestInit = {},
  opts: RegistryFetchOptions = {},
): Promise<Response> {
  const url = /^https?:\/\//.test(path) ? path : `${server.url}${path}`;
  const headers = new Headers(init.headers);
  if (!opts.anonymous && !headers.has("authorization")) {
    if (server.mode === "basic") {
      headers.set("authorization", basicAuthorization(server));
    } else if (server.mode === "bearer") {
      const scopes = opts.scope === undefined
        ? scopeForPath(new URL(url).pathname, init.method ?? "GET")
        : [opts.scope].flat();
      headers.set("authorization", `Bearer ${await bearerToken(server, scopes)}`);
    }
  }
  const request: RequestInit & { client?: Deno.HttpClient } = { ...init, headers };
  if (server.httpClient) request.client = server.httpClient;
  return fetch(url, request);
}

/** The `Authorization: Basic …` value for the server's generated user. */
export function basicAuthorization(server: RegistryServer): string {
  return `Basic ${btoa(`${server.username}:${server.password}`)}`;
}

/** A bearer token for `scopes` from the server's token endpoint (cached per server and scope set). */
export async function bearerToken(server: RegistryServer, scopes: string[]): Promise<string> {
  if (!server.tokenRealm) throw new Error(`registry ${server.host} is not in bearer mode`);
  const key = scopes.join(" ");
  let cache = tokenCache.get(server);
  if (!cache) tokenCache.set(server, cache = new Map());
  const cached = cache.get(key);
  if (cached) return cached;
  const q = new URLSearchParams({ service: server.tokenService ?? "" });
  for (const s of scopes) q.append("scope", s);
  const res = await fetch(`${server.tokenRealm}?${q}`, {
    headers: { authorization: basicAuthorization(server) },
  });
  if (!res.ok) throw new Error(`token request failed with ${res.status}: ${await res.text()}`);
  const body = await res.json() as { token: string };
  cache.set(key, body.token);
  return body.token;
}

/** The repository scope a registry API path needs: `repository:<name>:pull[,push|,delete]`. */
export function scopeForPath(pathname: string, method: string): string[] {
  const m = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(pathname);
  if (!m) return pathname.startsWith("/v2/_catalog") ? ["registry:catalog:*"] : [];
  const actions = method === "DELETE"
    ? "delete"
    : method === "GET" || method === "HEAD"
    ? "pull"
    : "pull,push";
  return [`repository:${m[1]}:${actions}`];
}

/** skopeo options for a test registry: `--creds` in basic/bearer mode, the CA dir in tls mode. */
export function skopeoOptions(server: RegistryServer): SkopeoRegistryOptions {
  const opts: SkopeoRegistryOptions = {};
  if (server.username) opts.creds = `${server.username}:${server.password}`;
  if (server.caCertDir) opts.certDir = server.caCertDir;
  return opts;
}

let marks = 0;

/**
 * The registry's log once it has logged every request answered so far (its access-log line is
 * written as it finishes answering): sends a marked anonymous `GET /v2/` and waits for that
 * request's line, then returns the log before it.
 */
export async function settledLogs(server: RegistryServer): Promise<string> {
  const mark = `/v2/?ko-test-mark=${++marks}`;
  const res = await registryFetch(server, mark, {}, { anonymous: true });
  await res.body?.cancel();
  return await waitFor(`the registry to log GET ${mark}`, () => {
    const log = server.logs();
    const at = log.indexOf(`"GET ${mark} `);
    return Promise.resolve(at < 0 ? undefined : log.slice(0, log.lastIndexOf("\n", at) + 1));
  });
}

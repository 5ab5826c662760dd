/**
 * A Docker-style token server (distribution's `docs/spec/auth/token.md`) served in-process on
 * 127.0.0.1, issuing real ES256-signed JWTs that distribution 2.8's `token` auth verifies.
 *
 * Policy: the configured user gets every requested action among `pull`, `push`, `delete` and
 * `*` on `repository:` scopes, and `*` on `registry:catalog:*`; anonymous requests get a token
 * with no access at all (or `pull` only with `anonymousPull`), so an anonymous client passes
 * `GET /v2/` but is refused on any repository. Wrong credentials get 401 from the token server.
 */

import { createHash, createPublicKey, randomBytes, sign } from "node:crypto";
import type { CertFiles } from "./test_certs.ts";

/** One access entry of a token's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** How the registry finds the signing key: `x5c` (certificate chain in the header) or `kid` (libtrust key ID). */
export type KeyReference = "x5c" | "kid";

/** Claims and options for {@link signRegistryToken}. */
export interface TokenClaims {
  issuer: string;
  service: string;
  subject?: string;
  access: TokenAccess[];
  /** Lifetime in seconds (default 300). */
  expiresIn?: number;
  /** Default `x5c`. */
  keyReference?: KeyReference;
}

/** Signs a registry bearer token (JWT, ES256) with `signer`'s key. */
export function signRegistryToken(signer: CertFiles, claims: TokenClaims): string {
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { typ: "JWT", alg: "ES256" };
  if ((claims.keyReference ?? "x5c") === "x5c") header.x5c = [pemBody(signer.certPem)];
  else header.kid = libtrustKeyId(signer.keyPem);
  const payload = {
    iss: claims.issuer,
    sub: claims.subject ?? "",
    aud: claims.service,
    exp: now + (claims.expiresIn ?? 300),
    nbf: now - 1,
    iat: now,
    jti: randomBytes(12).toString("hex"),
    access: claims.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", new TextEncoder().encode(input), {
    key: signer.keyPem,
    dsaEncoding: "ieee-p1363",
  });
  return `${input}.${b64url(signature)}`;
}

/** The libtrust key ID of a key: SHA-256 of its DER public key, first 240 bits, base32 in 12 groups of 4. */
export function libtrustKeyId(keyPem: string): string {
  const spki = createPublicKey(keyPem).export({ format: "der", type: "spki" });
  const b32 = base32(createHash("sha256").update(spki).digest().subarray(0, 30));
  return b32.match(/.{4}/g)!.join(":");
}

/** One request the token server answered. */
export interface TokenRequest {
  method: string;
  /** The authenticated user, or undefined for anonymous. */
  account?: string;
  scopes: string[];
  service?: string;
  /** `password` or `refresh_token` for OAuth2 POSTs. */
  grantType?: string;
  offlineToken: boolean;
  status: number;
}

/** Settings for {@link startTokenServer}. */
export interface TokenServerOptions {
  signer: CertFiles;
  username: string;
  password: string;
  service: string;
  issuer: string;
  /** Grant `pull` to anonymous requests (default: no access). */
  anonymousPull?: boolean;
  /** Token lifetime in seconds (default 300; the registry adds 60 s of leeway). */
  expiresIn?: number;
  /** More users and their passwords, granted what `username` is. */
  users?: Record<string, string>;
  /** Refresh tokens issued elsewhere (an ACR exchange stand-in), and the user each stands for. */
  refreshTokens?: Record<string, string>;
  /** Listen on this port (default: a free one). */
  port?: number;
}

/** A running token server. */
export interface TokenServer {
  /** The realm URL, `http://127.0.0.1:PORT/token`. */
  realm: string;
  /** Every request answered so far, in order. */
  requests: TokenRequest[];
  stop(): Promise<void>;
}

/** Starts the token server on a free loopback port. */
export function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>(Object.entries(opts.refreshTokens ?? {}));
  const passwords = new Map<string, string>([
    [opts.username, opts.password],
    ...Object.entries(opts.users ?? {}),
  ]);
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname !== "/token") return new Response("not found\n", { status: 404 });
    if (req.method !== "GET" && req.method !== "POST") {
      return new Response("method not allowed\n", { status: 405 });
    }
    const params = req.method === "POST" ? new URLSearchParams(await req.text()) : url.searchParams;
    const record: TokenRequest = {
      method: req.method,
      scopes: params.getAll("scope").flatMap((s) => s.split(" ")).filter((s) => s !== ""),
      service: params.get("service") ?? undefined,
      grantType: params.get("grant_type") ?? undefined,
      offlineToken: params.get("offline_token") === "true" ||
        params.get("access_type") === "offline",
      status: 200,
    };
    requests.push(record);
    const fail = (status: number, message: string) => {
      record.status = status;
      return Response.json({ errors: [{ code: "UNAUTHORIZED", message }] }, { status });
    };

    let account: string | undefined;
    let refresh: string | undefined;
    if (req.method === "POST") {
      if (record.grantType === "password") {
        const user = params.get("username") ?? "";
        if (!passwords.has(user) || passwords.get(user) !== params.get("password")) {
          return fail(401, "incorrect username or password");
        }
        account = user;
      } else if (record.grantType === "refresh_token") {
        account = refreshTokens.get(params.get("refresh_token") ?? "");
        if (!account) return fail(401, "invalid refresh token");
      } else {
        return fail(400, `unsupported grant_type "${record.grantType ?? ""}"`);
      }
      refresh = params.get("refresh_token") ?? undefined;
    } else {
      const auth = req.headers.get("authorization");
      if (auth) {
        const creds = parseBasic(auth);
        if (!creds || !passwords.has(creds.user) || passwords.get(creds.user) !== creds.password) {
          return fail(401, "incorrect username or password");
        }
        account = creds.user;
      }
    }
    record.account = account;
    if (account && (req.method === "POST" || record.offlineToken) && !refresh) {
      refresh = randomBytes(16).toString("hex");
      refreshTokens.set(refresh, account);
    }

    const expiresIn = opts.expiresIn ?? 300;
    const token = signRegistryToken(opts.signer, {
      issuer: opts.issuer,
      service: opts.service,
      subject: account ?? "",
      access: grant(record.scopes, account !== undefined, opts.anonymousPull ?? false),
      expiresIn,
    });
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (refresh) body.refresh_token = refresh;
    return Response.json(body);
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: opts.port ?? 0,
      onListen: (addr) => {
        resolve({
          realm: `http://127.0.0.1:${addr.port}/token`,
          requests,
          stop: async () => {
            await server.shutdown();
          },
        });
      },
    }, handler);
  });
}

/** The intersection of the requested scopes with what the policy allows. */
function grant(scopes: string[], authenticated: boolean, anonymousPull: boolean): TokenAccess[] {
  const out: TokenAccess[] = [];
  for (const scope of scopes) {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    if (first < 0 || last <= first) continue;
    const type = scope.slice(0, first);
    const name = scope.slice(first + 1, last);
    const requested = scope.slice(last + 1).split(",").filter((a) => a !== "");
    let allowed: string[] = [];
    if (type === "repository") {
      allowed = authenticated ? ["pull", "push", "delete", "*"] : anonymousPull ? ["pull"] : [];
    } else if (type === "registry" && name === "catalog") {
      allowed = authenticated ? ["*"] : [];
    }
    const actions = requested.filter((a) => allowed.includes(a));
    if (actions.length > 0) out.push({ type, name, actions });
  }
  return out;
}

function parseBasic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = atob(m[1]!);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}

function b64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

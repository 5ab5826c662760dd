/**
 * Google Application Default Credentials, as `golang.org/x/oauth2/google` finds them for
 * ko's Google keychain: the JSON file `GOOGLE_APPLICATION_CREDENTIALS` names, else gcloud's
 * `application_default_credentials.json` (under `CLOUDSDK_CONFIG` or `~/.config/gcloud`),
 * else the metadata server, asked only where `GCE_METADATA_HOST` is set or the machine says it
 * is a Google Compute Engine VM (`/sys/class/dmi/id/product_name`). A service account key
 * signs an RS256 JWT (WebCrypto) exchanged at its `token_uri`; a user's file holds a refresh
 * token. The access token is for the `cloud-platform` scope.
 */
import { describeFsError } from "../../util/atomic_file.ts";
import { KoError } from "../../util/errors.ts";
import type { EnvGetter } from "../docker_config.ts";
import type { RoundTrip } from "../round_trip.ts";
import { accessTokenOf, cloudJson, formRequest } from "./cloud_request.ts";

/** An access token, when it expires (epoch ms), and where it came from. */
export interface GoogleToken {
  readonly token: string;
  readonly expiresAt: number;
  readonly source: string;
}

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const TOKEN_URI = "https://oauth2.googleapis.com/token";
const METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

/** base64url of bytes or UTF-8 text, unpadded. */
function base64url(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A JWT signed with RS256 (RSASSA-PKCS1-v1_5, SHA-256) by a PKCS#8 PEM private key. */
async function signRs256Jwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  privateKeyPem: string,
): Promise<string> {
  const body = privateKeyPem.replace(/-----(?:BEGIN|END) PRIVATE KEY-----/g, "")
    .replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "pkcs8",
    der,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const input = `${base64url(JSON.stringify({ ...header, alg: "RS256", typ: "JWT" }))}.${
    base64url(JSON.stringify(claims))
  }`;
  const sig = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    key,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(new Uint8Array(sig))}`;
}

/** A string field of a credentials file, or a KoError naming the file. */
function field(file: Record<string, unknown>, name: string, source: string): string {
  const v = file[name];
  if (typeof v !== "string" || v === "") throw new KoError(`${source} has no "${name}"`);
  return v;
}

/** Exchanges a service account key for an access token (the JWT bearer grant). */
async function serviceAccountToken(
  file: Record<string, unknown>,
  source: string,
  send: RoundTrip,
): Promise<GoogleToken> {
  const email = field(file, "client_email", source);
  const pem = field(file, "private_key", source);
  const tokenUri = typeof file.token_uri === "string" && file.token_uri
    ? file.token_uri
    : TOKEN_URI;
  const iat = Math.floor(Date.now() / 1000);
  let assertion: string;
  try {
    assertion = await signRs256Jwt(
      typeof file.private_key_id === "string" ? { kid: file.private_key_id } : {},
      { iss: email, scope: SCOPE, aud: tokenUri, iat, exp: iat + 3600 },
      pem,
    );
  } catch {
    throw new KoError(`${source}: "private_key" is not a PKCS#8 RSA private key`);
  }
  const what = `Google credentials from ${source}`;
  const answer = await cloudJson(send, {
    method: "POST",
    url: new URL(tokenUri),
    ...formRequest({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
    what,
  });
  return { ...accessTokenOf(answer, what), source };
}

/** Exchanges a user's refresh token (gcloud's application default login) for an access token. */
async function authorizedUserToken(
  file: Record<string, unknown>,
  source: string,
  send: RoundTrip,
): Promise<GoogleToken> {
  const tokenUri = typeof file.token_uri === "string" && file.token_uri
    ? file.token_uri
    : TOKEN_URI;
  const what = `Google credentials from ${source}`;
  const answer = await cloudJson(send, {
    method: "POST",
    url: new URL(tokenUri),
    ...formRequest({
      grant_type: "refresh_token",
      client_id: field(file, "client_id", source),
      client_secret: field(file, "client_secret", source),
      refresh_token: field(file, "refresh_token", source),
    }),
    what,
  });
  return { ...accessTokenOf(answer, what), source };
}

/** The token of a credentials file, by its `type`. */
async function fileToken(path: string, source: string, send: RoundTrip): Promise<GoogleToken> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new KoError(`cannot read ${source}: ${describeFsError(err)}`);
  }
  let file: Record<string, unknown>;
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error();
    file = v;
  } catch {
    throw new KoError(`cannot parse ${source}: not a JSON object`);
  }
  switch (file.type) {
    case "service_account":
      return await serviceAccountToken(file, source, send);
    case "authorized_user":
      return await authorizedUserToken(file, source, send);
    default:
      throw new KoError(
        `${source} has credentials of type ${
          JSON.stringify(file.type ?? null)
        }, which ko does not use: give a service_account key or run "gcloud auth application-default login"`,
      );
  }
}

/** Whether the metadata server may be asked: configured, or this is a Google VM. */
function metadataHost(env: EnvGetter): string | undefined {
  const configured = env("GCE_METADATA_HOST");
  if (configured) return configured;
  try {
    const product = Deno.readTextFileSync("/sys/class/dmi/id/product_name");
    if (/^Google/.test(product.trim())) return "169.254.169.254";
  } catch {
    // not a Google VM, or not Linux
  }
  return undefined;
}

/** The default service account's token from the metadata server. */
async function metadataToken(host: string, send: RoundTrip): Promise<GoogleToken> {
  const url = new URL(`http://${host}${METADATA_TOKEN_PATH}`);
  url.searchParams.set("scopes", SCOPE);
  const source = `the metadata server ${host}`;
  const what = `Google credentials from ${source}`;
  const answer = await cloudJson(send, {
    method: "GET",
    url,
    headers: { "metadata-flavor": "Google" },
    what,
  });
  return { ...accessTokenOf(answer, what), source };
}

/**
 * The Application Default Credentials' access token, or undefined when none are configured.
 * Throws a KoError naming the source when one is configured but does not work.
 */
export async function applicationDefaultToken(
  env: EnvGetter,
  send: RoundTrip,
): Promise<GoogleToken | undefined> {
  const named = env("GOOGLE_APPLICATION_CREDENTIALS");
  if (named) return await fileToken(named, `GOOGLE_APPLICATION_CREDENTIALS (${named})`, send);
  const dir = env("CLOUDSDK_CONFIG") ||
    (env("HOME") ? `${env("HOME")}/.config/gcloud` : undefined);
  if (dir !== undefined) {
    const path = `${dir}/application_default_credentials.json`;
    try {
      if (Deno.statSync(path).isFile) return await fileToken(path, path, send);
    } catch (err) {
      if (err instanceof KoError) throw err;
      // no application default login
    }
  }
  const host = metadataHost(env);
  return host === undefined ? undefined : await metadataToken(host, send);
}

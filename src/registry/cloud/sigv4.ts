/**
 * AWS Signature Version 4 for header-signed requests (what the ECR API takes): the canonical
 * request, the string to sign, the derived signing key and the `Authorization` header, with
 * HMAC-SHA256 and SHA-256 from @noble/hashes. Every header given is signed.
 */
import { bytesToHex, hmac, sha256 } from "../../deps/noble_hashes.ts";

/** AWS credentials: an access key, its secret and, for temporary ones, a session token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request to sign. */
interface SigV4Request {
  method: string;
  url: URL;
  /** Headers to sign (any case); `host` is added from the URL when absent. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Where and when the request is signed. */
interface SigV4Scope {
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
}

const encoder = new TextEncoder();

/** `YYYYMMDDTHHMMSSZ` of a time. */
export function amzDate(time: Date): string {
  return time.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** RFC 3986 percent-encoding of everything but the unreserved characters. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
    .replace(/%[0-9a-f]{2}/g, (e) => e.toUpperCase());
}

/** The canonical query: parameters sorted by name then value, each encoded. */
function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0);
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** The canonical path: each segment encoded again, as every service but S3 expects. */
function canonicalPath(url: URL): string {
  const path = url.pathname === "" ? "/" : url.pathname;
  return path.split("/").map(uriEncode).join("/");
}

/** Header names lower-cased and sorted, values trimmed with inner spaces folded. */
function canonicalHeaders(req: SigV4Request): Array<[string, string]> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    headers.set(name.toLowerCase(), value.trim().replace(/\s+/g, " "));
  }
  if (!headers.has("host")) headers.set("host", req.url.host);
  return [...headers].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

/** The canonical request of SigV4 (its step 1). */
export function canonicalRequest(req: SigV4Request): string {
  const headers = canonicalHeaders(req);
  return [
    req.method,
    canonicalPath(req.url),
    canonicalQuery(req.url),
    ...headers.map(([n, v]) => `${n}:${v}`),
    "",
    headers.map(([n]) => n).join(";"),
    bytesToHex(sha256(req.body)),
  ].join("\n");
}

/** The string to sign (step 2). */
export function stringToSign(canonical: string, scope: SigV4Scope): string {
  const date = scope.amzDate.slice(0, 8);
  return [
    "AWS4-HMAC-SHA256",
    scope.amzDate,
    `${date}/${scope.region}/${scope.service}/aws4_request`,
    bytesToHex(sha256(encoder.encode(canonical))),
  ].join("\n");
}

/** The signature (steps 3 and 4): HMAC chain from the secret, then over the string to sign. */
export function signature(secret: string, toSign: string, scope: SigV4Scope): string {
  let key = hmac(
    sha256,
    encoder.encode(`AWS4${secret}`),
    encoder.encode(scope.amzDate.slice(0, 8)),
  );
  for (const part of [scope.region, scope.service, "aws4_request"]) {
    key = hmac(sha256, key, encoder.encode(part));
  }
  return bytesToHex(hmac(sha256, key, encoder.encode(toSign)));
}

/** The `Authorization` header value for a request whose headers are all signed. */
export function authorizationHeader(
  req: SigV4Request,
  credentials: AwsCredentials,
  scope: SigV4Scope,
): string {
  const canonical = canonicalRequest(req);
  const signed = canonicalHeaders(req).map(([n]) => n).join(";");
  const date = scope.amzDate.slice(0, 8);
  const sig = signature(credentials.secretAccessKey, stringToSign(canonical, scope), scope);
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${date}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${signed}, Signature=${sig}`;
}

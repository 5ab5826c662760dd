/**
 * One request to a cloud credential endpoint (an OAuth2 token endpoint, the ECR API, the ACR
 * exchange), sent through the registry transport so that proxies and trusted CAs apply, and
 * answered with JSON. A failure is one line saying what was asked of which endpoint and what
 * it answered; request bodies and answers carrying secrets never appear in it.
 */
import { KoError } from "../../util/errors.ts";
import { NetworkError, summarizeBody } from "../http_errors.ts";
import type { RoundTrip } from "../round_trip.ts";

/** A request to a credential endpoint. */
interface CloudRequest {
  method: "GET" | "POST";
  url: URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Says what the answer is for, starting the error message: `Google credentials from …`. */
  what: string;
}

/** The words of a refusal: OAuth2, AWS, Google and distribution error bodies alike. */
function refusal(status: number, statusText: string, text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return summarizeBody(status, statusText, text);
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const str = (x: unknown) => typeof x === "string" && x !== "" ? x : undefined;
  const nested = typeof o.error === "object" && o.error !== null
    ? o.error as Record<string, unknown>
    : undefined;
  const code = str(o.error) ?? str(o.__type)?.replace(/^.*#/, "") ?? str(nested?.status) ??
    (Array.isArray(o.errors) ? str((o.errors[0] as Record<string, unknown>)?.code) : undefined);
  const message = str(o.error_description) ?? str(o.message) ?? str(o.Message) ??
    str(nested?.message) ??
    (Array.isArray(o.errors) ? str((o.errors[0] as Record<string, unknown>)?.message) : undefined);
  const words = [code, message].filter((x) => x !== undefined).join(": ").split("\n")[0]!;
  const head = statusText ? `${status} ${statusText}` : `${status}`;
  return words === "" ? head : `${head}: ${words.length > 200 ? `${words.slice(0, 200)}…` : words}`;
}

/** Where an endpoint is, for messages: origin and path, no query. */
function endpointName(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Sends the request and returns the JSON object answered. Throws a KoError starting with
 * `what` when the endpoint cannot be reached, refuses, or answers something else than JSON.
 */
export async function cloudJson(
  send: RoundTrip,
  req: CloudRequest,
): Promise<Record<string, unknown>> {
  const body = req.body;
  let res: Response;
  try {
    res = await send({
      method: req.method,
      url: req.url,
      registry: req.url.host,
      ...(req.headers ? { headers: req.headers } : {}),
      ...(body !== undefined ? { body: () => body } : {}),
    });
  } catch (err) {
    if (err instanceof NetworkError) {
      const reason = err.message.replace(`cannot reach registry ${req.url.host}: `, "");
      throw new KoError(`${req.what}: cannot reach ${endpointName(req.url)}: ${reason}`, {
        cause: err,
      });
    }
    throw err;
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    const words = withoutSecretsOf(req, refusal(res.status, res.statusText, text));
    throw new KoError(`${req.what}: ${endpointName(req.url)} refused: ${words}`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v;
  } catch {
    // reported below
  }
  throw new KoError(`${req.what}: ${endpointName(req.url)} answered something else than JSON`);
}

/** The form fields of credential requests that carry secrets. */
const SECRET_FIELDS = [
  "client_secret",
  "client_assertion",
  "assertion",
  "refresh_token",
  "access_token",
  "password",
];

/**
 * `text` with every secret the request carried (secret form fields, a Basic or Bearer
 * `Authorization`, an AWS session token) cut out, should an endpoint echo what it was sent.
 */
function withoutSecretsOf(req: CloudRequest, text: string): string {
  const secrets: string[] = [];
  const header = (name: string) =>
    Object.entries(req.headers ?? {}).find(([n]) => n.toLowerCase() === name)?.[1];
  if (typeof req.body === "string" && /form-urlencoded/.test(header("content-type") ?? "")) {
    const form = new URLSearchParams(req.body);
    for (const field of SECRET_FIELDS) secrets.push(...form.getAll(field));
  }
  const authorization = /^(?:Basic|Bearer)\s+(\S+)$/i.exec(header("authorization") ?? "")?.[1];
  if (authorization) secrets.push(authorization);
  const session = header("x-amz-security-token");
  if (session) secrets.push(session);
  let out = text;
  // Real secrets are long; a short value could be a word of the message itself.
  for (const secret of secrets.filter((v) => v.length >= 8).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join("<redacted>");
  }
  return out;
}

/** A form body (`application/x-www-form-urlencoded`) and its content type. */
export function formRequest(
  fields: Record<string, string>,
): { headers: Record<string, string>; body: string } {
  return {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

/** An OAuth2 access token answer's token and expiry (epoch ms); throws naming `what`. */
export function accessTokenOf(
  answer: Record<string, unknown>,
  what: string,
  now = Date.now(),
): { token: string; expiresAt: number } {
  const token = answer.access_token;
  if (typeof token !== "string" || token === "") {
    throw new KoError(`${what}: the token endpoint answered without "access_token"`);
  }
  const seconds = Number(answer.expires_in);
  return { token, expiresAt: now + (Number.isFinite(seconds) ? seconds : 3600) * 1000 };
}

/**
 * Turning failed registry exchanges into one-line KoErrors: registry error bodies
 * (`{"errors":[{code,message,detail}]}`), non-JSON bodies, and network failures from `fetch`.
 */
import { KoError } from "../util/errors.ts";

/** One entry of a registry error body. */
interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/** An HTTP answer from a registry that was not the one expected. */
export class RegistryError extends KoError {
  override name = "RegistryError";
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The error codes of the body (`MANIFEST_UNKNOWN`, …), empty when it had none. */
  readonly codes: string[];
  /** The delay the registry asked for with `Retry-After`, in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(message: string, status: number, codes: string[], retryAfterMs?: number) {
    super(message);
    this.status = status;
    this.codes = codes;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** A request that never got an HTTP answer (refused, reset, TLS failure, DNS…). */
export class NetworkError extends KoError {
  override name = "NetworkError";
  /** Whether trying again may help (reset, closed mid-flight; not DNS or TLS failures). */
  readonly retryable: boolean;
  /** Whether the TLS handshake failed (the scheme fallback to plain HTTP keys on this). */
  readonly tls: boolean;

  constructor(message: string, opts: { retryable: boolean; tls: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.retryable = opts.retryable;
    this.tls = opts.tls;
  }
}

const MAX_SUMMARY = 200;

/**
 * Parses a registry error body; undefined when the text is not one (not JSON, or no `errors`).
 */
export function parseErrorBody(text: string): RegistryErrorEntry[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const errors = (v as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const out: RegistryErrorEntry[] = [];
  for (const e of errors) {
    if (typeof e !== "object" || e === null) continue;
    const { code, message, detail } = e as Record<string, unknown>;
    out.push({
      code: typeof code === "string" && code !== "" ? code : "UNKNOWN",
      message: typeof message === "string" ? message : "",
      ...(detail === undefined || detail === null ? {} : { detail }),
    });
  }
  return out.length > 0 ? out : undefined;
}

/** Renders an error detail compactly: strings as is, objects as their values or short JSON. */
function detailText(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (typeof detail === "number" || typeof detail === "boolean") return String(detail);
  if (Array.isArray(detail)) {
    const parts = detail.map(detailText).filter((p) => p !== "");
    return truncate(parts.join(", "), MAX_SUMMARY);
  }
  if (typeof detail === "object" && detail !== null) {
    const o = detail as Record<string, unknown>;
    // distribution's access records: {"Type":"repository","Name":"team/app","Action":"pull"}
    if (typeof o.Type === "string" && typeof o.Name === "string" && typeof o.Action === "string") {
      return `${o.Type}:${o.Name}:${o.Action}`;
    }
    const values = Object.values(o);
    if (values.length > 0 && values.every((x) => typeof x === "string" || typeof x === "number")) {
      return values.filter((x) => x !== "").join(", ");
    }
  }
  return truncate(JSON.stringify(detail) ?? "", MAX_SUMMARY);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** `CODE: message (detail)` for each entry, joined with `; `. */
export function formatErrorEntries(entries: RegistryErrorEntry[]): string {
  return entries.map((e) => {
    let s = e.message ? `${e.code}: ${e.message}` : e.code;
    if (e.detail !== undefined) {
      const d = detailText(e.detail);
      if (d !== "" && d !== "{}" && d !== "[]") s += ` (${d})`;
    }
    return s;
  }).join("; ");
}

/** `404 Not Found: <first line of the body>` for answers without a registry error body. */
export function summarizeBody(status: number, statusText: string, text: string): string {
  const head = statusText ? `${status} ${statusText}` : `${status}`;
  const line = /^\s*</.test(text)
    ? htmlSummary(text)
    : text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line === "" || line === head ? head : `${head}: ${truncate(line, MAX_SUMMARY)}`;
}

/**
 * The words of an HTML error page (a proxy's or load balancer's): its `<title>`, else its text
 * without tags, on one line.
 */
function htmlSummary(html: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  const text = title ?? html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<[^>]*>/g, " ");
  return text.replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/\s+/g, " ").trim();
}

/** The advice appended to authentication and authorisation failures. */
function loginHint(registry: string): string {
  return `log in with "ko login ${registry}"`;
}

/** What was sent to authenticate the failed request, for a clearer 401/403 message. */
export interface AuthAttempt {
  /** Whether credentials were found (false: the request went anonymously). */
  found: boolean;
  /** Why a source that applied gave none (a cloud token endpoint refused…), if one did. */
  unavailable?: string;
  /** Where they came from (a file and key, or a credential helper); never a secret. */
  source?: string;
  /** A 401 means the credentials themselves were refused (Basic, or a token endpoint). */
  refusedOn401: boolean;
}

/** The tail of a 401/403 message: whether credentials were sent, from where, and what to do. */
function authHint(registry: string, unauthorized: boolean, auth?: AuthAttempt): string {
  const login = loginHint(registry);
  if (auth === undefined) {
    return unauthorized
      ? login
      : `check that your credentials for ${registry} grant this access, or ${login}`;
  }
  if (!auth.found) {
    const why = auth.unavailable ? ` (${auth.unavailable})` : "";
    return `no credentials for ${registry} were found${why}: ${login}`;
  }
  const from = auth.source ? ` from ${auth.source}` : "";
  if (unauthorized && auth.refusedOn401) {
    return `the credentials for ${registry}${from} were refused: ${login}`;
  }
  return `check that the credentials for ${registry}${from} grant this access, or ${login}`;
}

/**
 * Reads a failed response and builds the error, e.g.
 * `PUT 127.0.0.1:5000/app manifest latest: MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:…)`.
 * `context` says what was attempted; `registry` feeds the `ko login` hint on 401/403, which
 * also says whether credentials were sent, and from where, when `auth` tells.
 */
export async function errorFromResponse(
  res: Response,
  context: string,
  registry: string,
  auth?: AuthAttempt,
): Promise<RegistryError> {
  let text = "";
  try {
    text = res.body ? await res.text() : "";
  } catch {
    // The body could not be read; the status still says enough.
  }
  const entries = parseErrorBody(text);
  let message = entries ? formatErrorEntries(entries) : summarizeBody(
    res.status,
    res.statusText,
    text,
  );
  const codes = entries?.map((e) => e.code) ?? [];
  if (res.status === 401 || codes.includes("UNAUTHORIZED")) {
    message += `: ${authHint(registry, true, auth)}`;
  } else if (res.status === 403 || codes.includes("DENIED")) {
    message += `: ${authHint(registry, false, auth)}`;
  }
  const after = res.headers.get("retry-after");
  const retryAfterMs = after === null ? undefined : parseRetryAfterHeader(after);
  return new RegistryError(`${context}: ${message}`, res.status, codes, retryAfterMs);
}

/** `Retry-After` as milliseconds (delta seconds or an HTTP date); undefined if unreadable. */
export function parseRetryAfterHeader(value: string, now = Date.now()): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** The innermost message of an error's cause chain (Deno's fetch hides details in `cause`). */
function causeMessages(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; depth++) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(" | ");
}

/** The most specific part of Deno's fetch error text, without the URL boilerplate. */
function innerReason(text: string): string {
  const last = text.split(" | ").pop() ?? text;
  return last
    .replace(/^error sending request (?:for url \([^)]*\)|from \S+ for \S+ \([^)]*\)): /, "")
    .replace(/^client error \([A-Za-z]+\): /, "")
    .replace(/ \(os error \d+\)$/, "");
}

/**
 * Describes a `fetch` failure in a few words and says whether retrying may help (reset or
 * closed connections do; DNS and TLS failures do not; `connection refused` is flagged so the
 * caller can decide: it is worth a retry only once the registry has answered before).
 */
export function classifyNetworkError(
  err: unknown,
): { reason: string; retryable: boolean; tls: boolean; refused: boolean } {
  const text = causeMessages(err);
  const lower = text.toLowerCase();
  const reason = innerReason(text);
  const r = (reason: string, retryable: boolean, tls = false, refused = false) => ({
    reason,
    retryable,
    tls,
    refused,
  });
  if (lower.includes("connection refused")) return r("connection refused", true, false, true);
  if (lower.includes("dns error") || lower.includes("failed to lookup address")) {
    return r(`cannot resolve host name (${truncate(reason, MAX_SUMMARY)})`, false);
  }
  if (/certificate|tls|handshake|corrupt message|alert/.test(lower)) {
    return r(`TLS handshake failed: ${truncate(reason, MAX_SUMMARY)}`, false, true);
  }
  if (lower.includes("connection reset")) return r("connection reset", true);
  if (
    /connection closed|unexpected eof|incomplete message|error reading a body|broken pipe/.test(
      lower,
    )
  ) {
    return r("connection closed by the server", true);
  }
  if (lower.includes("timed out") || lower.includes("timeout")) {
    return r("connection timed out", true);
  }
  if (lower.includes("blocked")) return r(truncate(reason, MAX_SUMMARY), false);
  return r(truncate(reason, MAX_SUMMARY), true);
}

/**
 * `cannot reach registry 127.0.0.1:5000: connection refused` as a NetworkError; when the host
 * dialled is another one (a redirect's target), `cannot reach 10.0.0.5:9000 (redirected to by
 * registry 127.0.0.1:5000): …`.
 */
export function networkError(
  registry: string,
  err: unknown,
  retryable?: boolean,
  dialled?: string,
): NetworkError {
  const c = classifyNetworkError(err);
  const who = dialled === undefined || dialled === registry
    ? `registry ${registry}`
    : `${dialled} (redirected to by registry ${registry})`;
  return new NetworkError(`cannot reach ${who}: ${c.reason}`, {
    retryable: retryable ?? c.retryable,
    tls: c.tls,
    cause: err,
  });
}

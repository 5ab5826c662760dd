/**
 * `GET /v2/`: finds the scheme to use (HTTPS, or plain HTTP where scheme.ts allows it) and how
 * the registry wants to be authenticated.
 */
import { KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.ts";
import { errorFromResponse, NetworkError } from "./http_errors.ts";
import { IdleTimeoutError } from "./idle_timeout.ts";
import { allowsPlainHttp, triesPlainHttpFirst } from "./scheme.ts";
import type { RoundTrip } from "./round_trip.ts";

/** What a ping learned about a registry. */
export interface PingResult {
  registry: string;
  scheme: "https" | "http";
  /** The challenge to answer, or undefined when the registry allows anonymous access. */
  challenge?: Challenge;
}

/**
 * One `GET /v2/` over a scheme. Like every registry request it is bounded by the transport's
 * idle timeout, and retried on resets and timeouts.
 */
function pingOnce(
  send: RoundTrip,
  registry: string,
  scheme: "https" | "http",
  signal: AbortSignal | undefined,
): Promise<Response> {
  return send({
    method: "GET",
    url: new URL(`${scheme}://${registry}/v2/`),
    registry,
    ...(signal ? { signal } : {}),
  });
}

/** Reads the ping answer: 200 = anonymous, 401 = the challenge to answer. */
async function interpret(
  res: Response,
  registry: string,
  scheme: "https" | "http",
): Promise<PingResult> {
  if (res.status === 200) {
    await res.body?.cancel();
    return { registry, scheme };
  }
  if (res.status !== 401) {
    throw await errorFromResponse(res, `GET ${scheme}://${registry}/v2/`, registry);
  }
  await res.body?.cancel();
  const header = res.headers.get("www-authenticate");
  if (header === null) {
    throw new KoError(
      `registry ${registry} answered 401 to GET /v2/ without a WWW-Authenticate challenge`,
    );
  }
  const challenges = parseChallenges(header);
  const challenge = pickChallenge(challenges);
  if (challenge === undefined) {
    throw new KoError(
      `registry ${registry} asks for unsupported authentication "${
        challenges.map((c) => c.scheme).join(", ")
      }": only Basic and Bearer are supported`,
    );
  }
  return { registry, scheme, challenge };
}

/**
 * A registry on this machine is asked over plain HTTP first, HTTPS only when that gives no
 * 200 or 401 (a TLS server answers plain HTTP with 400, or drops it): local registries are
 * usually plain, and this spares a warm `ko build` the first TLS handshake's loading of the CA
 * roots (40+ ms). Loopback traffic never leaves the machine, and the ping carries no
 * credentials. Plain HTTP is retried on resets like any request (a TLS server that drops plain
 * requests costs those retries before HTTPS is asked); one that times out is reported as is,
 * since a TLS server answers or drops a plain request at once. When HTTPS then finds no TLS
 * server, what plain HTTP got is reported: its failure (a redirect's target refusing, say), or
 * its answer, asked again with retries (a 503 may be passing).
 */
async function pingLocal(
  send: RoundTrip,
  registry: string,
  signal: AbortSignal | undefined,
): Promise<PingResult> {
  let plainAnswered = false;
  let plainFailure: NetworkError | undefined;
  try {
    const res = await pingOnce(send, registry, "http", signal);
    if (res.status === 200 || res.status === 401) return await interpret(res, registry, "http");
    await res.body?.cancel();
    // A TLS server answers plain HTTP with 400 ("Client sent an HTTP request to an HTTPS
    // server"); anything else comes from a plain HTTP server.
    plainAnswered = res.status !== 400;
    debug(`${registry}: plain HTTP answered ${res.status}, trying HTTPS`);
  } catch (err) {
    if (!(err instanceof NetworkError) || err instanceof IdleTimeoutError || signal?.aborted) {
      throw err;
    }
    debug(`${registry}: plain HTTP failed (${err.message}), trying HTTPS`);
    plainFailure = err;
  }
  let res: Response;
  try {
    res = await pingOnce(send, registry, "https", signal);
  } catch (err) {
    const notTls = err instanceof NetworkError && err.tls && !/certificate/i.test(err.message);
    if (!notTls || signal?.aborted) throw err;
    if (!plainAnswered) throw plainFailure ?? err;
    debug(`${registry}: HTTPS failed (${err.message}), asking plain HTTP again`);
    const again = await pingOnce(send, registry, "http", signal);
    return await interpret(again, registry, "http");
  }
  return await interpret(res, registry, "https");
}

/** How long HTTPS gets alone before plain HTTP is tried alongside it (ggcr waits 300 ms). */
const PLAIN_HTTP_DELAY_MS = 300;

/** An AbortSignal that fires when `parent` does or when `abort()` is called. */
function childSignal(parent: AbortSignal | undefined): AbortController {
  const ctl = new AbortController();
  if (parent?.aborted) ctl.abort(parent.reason);
  else parent?.addEventListener("abort", () => ctl.abort(parent.reason), { once: true });
  return ctl;
}

/**
 * Pings a registry. Registries on this machine: plain HTTP first (see pingLocal). Otherwise
 * HTTPS first; where plain HTTP is allowed (private-network addresses, `insecure` entries), it
 * is tried too when HTTPS fails or has not answered within {@link PLAIN_HTTP_DELAY_MS} (a plain
 * server may never answer a TLS handshake). Any HTTPS answer wins; HTTP wins with 200 or 401.
 * When neither works, the HTTPS error is reported, or plain HTTP's answer when HTTPS found no TLS
 * server there.
 */
export function ping(
  send: RoundTrip,
  registry: string,
  opts: { insecure?: readonly string[]; signal?: AbortSignal } = {},
): Promise<PingResult> {
  if (!allowsPlainHttp(registry, opts.insecure)) {
    return pingOnce(send, registry, "https", opts.signal).then((res) =>
      interpret(res, registry, "https")
    );
  }
  if (triesPlainHttpFirst(registry)) return pingLocal(send, registry, opts.signal);
  const https = childSignal(opts.signal);
  const http = childSignal(opts.signal);
  return new Promise<PingResult>((resolve, reject) => {
    let settled = false;
    let httpsError: unknown;
    let httpsFailed = false;
    let httpDone = false;
    let httpStarted = false;
    /** Plain HTTP answered first: the aborted HTTPS attempt's rejection is expected. */
    let httpWon = false;
    /** What a plain HTTP server answered other than 200 or 401, as an error. */
    let httpError: unknown;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    /** Both failed: report plain HTTP's answer when HTTPS found no TLS server at all. */
    const failBoth = () => {
      const e = httpsError;
      const noTls = e instanceof NetworkError && e.tls && !/certificate/i.test(e.message);
      finish(() => reject(noTls && httpError !== undefined ? httpError : e));
    };
    const startHttp = () => {
      if (httpStarted || settled) return;
      httpStarted = true;
      pingOnce(send, registry, "http", http.signal).then(async (res) => {
        if (settled) {
          await res.body?.cancel();
          return;
        }
        if (res.status !== 200 && res.status !== 401) {
          // A TLS server answers plain HTTP with 400; other answers come from a plain server.
          if (res.status === 400) await res.body?.cancel();
          else httpError = await interpret(res, registry, "http").catch((e) => e);
          return;
        }
        httpWon = true;
        https.abort();
        const result = interpret(res, registry, "http");
        result.then((r) => finish(() => resolve(r)), (e) => finish(() => reject(e)));
      }, () => {}).finally(() => {
        httpDone = true;
        if (httpsFailed && !httpWon) failBoth();
      });
    };
    const timer = setTimeout(startHttp, PLAIN_HTTP_DELAY_MS);
    pingOnce(send, registry, "https", https.signal).then(async (res) => {
      if (settled) {
        await res.body?.cancel();
        return;
      }
      http.abort();
      interpret(res, registry, "https").then(
        (r) => finish(() => resolve(r)),
        (e) => finish(() => reject(e)),
      );
    }, (err) => {
      if (settled || httpWon) return;
      if (!(err instanceof NetworkError) || opts.signal?.aborted) {
        finish(() => reject(err));
        return;
      }
      debug(`${registry}: HTTPS failed (${err.message}), trying plain HTTP`);
      httpsError = err;
      httpsFailed = true;
      if (httpDone) failBoth();
      else startHttp();
    });
  });
}

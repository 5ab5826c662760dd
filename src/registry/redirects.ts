/**
 * The transport layer that follows redirects itself (fetch runs with `redirect: "manual"`), so
 * that `Authorization` goes only to the host it was meant for: a blob redirect to a storage
 * host gets the request without it. Redirects to other schemes, and to internal addresses other
 * than the registry's own host (target_guard.ts), are refused; 303, and 301/302 after a POST, turn into a GET without body.
 */
import { KoError } from "../util/errors.ts";
import type { RoundTrip, TransportRequest } from "./round_trip.ts";
import { shownUrl } from "./round_trip.ts";
import { classifyNetworkError, networkError } from "./http_errors.ts";
import { refuseInternalTarget } from "./target_guard.ts";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** Sends the request and each redirect it leads to, up to 10 hops. */
export function withRedirects(next: RoundTrip): RoundTrip {
  return async (req) => {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    for (let hop = 0;; hop++) {
      let res: Response;
      try {
        res = await next(hopRequest(req, url, method, body));
      } catch (err) {
        if (url.host === req.url.host || err instanceof KoError || req.signal?.aborted) throw err;
        // Name the host that failed, not the registry that sent ko there. A refusal there is
        // not retried: that host has never answered.
        const c = classifyNetworkError(err);
        throw networkError(req.registry, err, c.retryable && !c.refused, url.host);
      }
      const location = res.headers.get("location");
      if (!REDIRECT_STATUSES.has(res.status) || location === null) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw new KoError(`${method} ${shownUrl(req.url)}: more than ${MAX_REDIRECTS} redirects`);
      }
      let target: URL;
      try {
        target = new URL(location, url);
      } catch {
        throw new KoError(`${method} ${shownUrl(url)}: invalid redirect Location "${location}"`);
      }
      if (target.protocol !== "https:" && target.protocol !== "http:") {
        throw new KoError(`${method} ${url}: refusing redirect to "${target.protocol}" URL`);
      }
      refuseInternalTarget(
        target,
        req.registry,
        `${method} ${shownUrl(url)}: refusing the redirect to`,
      );
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
      }
      url = target;
    }
  };
}

/** One hop of `req`: its URL, method and body, with `Authorization` only on the original host. */
function hopRequest(
  req: TransportRequest,
  url: URL,
  method: string,
  body: TransportRequest["body"],
): TransportRequest {
  const hop: TransportRequest = { ...req, url, method };
  delete hop.body;
  delete hop.authorization;
  if (body !== undefined) hop.body = body;
  if (req.authorization !== undefined && url.host === req.url.host) {
    hop.authorization = req.authorization;
  }
  return hop;
}

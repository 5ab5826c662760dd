/**
 * How an unverified-TLS tunnel (unverified_tls.ts) reports that it could not reach the
 * registry: an answer carrying {@link TUNNEL_ERROR_HEADER}, which the transport turns back into
 * the network error it stands for. Kept apart so the transport need not load the tunnel (and
 * `node:tls`) unless `--insecure-registry` names an HTTPS host.
 */

/** The header of the answer a tunnel gives when it cannot open the TLS connection. */
export const TUNNEL_ERROR_HEADER = "x-ko-tunnel-error";

/** The failure a tunnel reported in `res`, as an Error `fetch` would have thrown, if any. */
export function tunnelFailure(res: Response): Error | undefined {
  const text = res.headers.get(TUNNEL_ERROR_HEADER);
  return text === null ? undefined : new Error(text);
}

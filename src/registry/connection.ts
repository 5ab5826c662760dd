/**
 * The innermost transport layer: picks the Deno HTTP client for a URL and calls `fetch`. Most
 * requests share one client (its CA trust and proxy rules come from http_client.ts); HTTPS
 * requests to an `--insecure-registry` host go through an {@link UnverifiedTlsTunnel}, whose
 * module (and `node:tls`) is loaded only then.
 */
import { debug } from "../util/log.ts";
import { type RoundTrip, shownUrl, type TransportRequest } from "./round_trip.ts";
import { registryHost } from "./scheme.ts";
import { tunnelFailure } from "./tunnel_failure.ts";
import type { UnverifiedTlsTunnel } from "./unverified_tls.ts";

/** The connection layer: its round trip, and `close` to release every connection. */
interface Connections {
  readonly send: RoundTrip;
  close(): void;
}

/**
 * Sends requests over `client`, or over a tunnel skipping certificate verification for the
 * hosts of `unverifiedTls` (`host[:port]` entries; the tunnel applies to the host on any port).
 * Closing closes `client` too.
 */
export function openConnections(
  client: Deno.HttpClient,
  unverifiedTls: readonly string[],
): Connections {
  const unverified = new Set(unverifiedTls.map((r) => registryHost(r)));
  const tunnels = new Map<string, UnverifiedTlsTunnel>();

  const clientFor = async (url: URL): Promise<Deno.HttpClient> => {
    const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (url.protocol !== "https:" || !unverified.has(hostname)) return client;
    const key = `${hostname}:${url.port || "443"}`;
    let tunnel = tunnels.get(key);
    if (tunnel === undefined) {
      const { UnverifiedTlsTunnel } = await import("./unverified_tls.ts");
      tunnel = tunnels.get(key) ?? new UnverifiedTlsTunnel(hostname, Number(url.port || "443"));
      tunnels.set(key, tunnel);
    }
    return tunnel.client;
  };

  const send = async (req: TransportRequest): Promise<Response> => {
    const headers = new Headers(req.headers);
    if (req.authorization !== undefined) headers.set("authorization", req.authorization);
    if (req.body === undefined) headers.delete("content-type");
    const payload = req.body ? await req.body() : null;
    const init: RequestInit & { client: Deno.HttpClient; duplex?: "half" } = {
      method: req.method,
      headers,
      body: payload as BodyInit | null,
      redirect: "manual",
      client: await clientFor(req.url),
    };
    if (req.signal) init.signal = req.signal;
    if (payload instanceof ReadableStream) init.duplex = "half";
    debug(`--> ${req.method} ${shownUrl(req.url)}`);
    const res = await fetch(req.url, init);
    if (init.client !== client) {
      const failure = tunnelFailure(res);
      if (failure !== undefined) {
        await res.body?.cancel();
        throw failure;
      }
    }
    debug(`<-- ${res.status} ${req.method} ${shownUrl(req.url)}`);
    return res;
  };

  return {
    send,
    close() {
      client.close();
      for (const tunnel of tunnels.values()) tunnel.close();
      tunnels.clear();
    },
  };
}

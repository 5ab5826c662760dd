/**
 * The innermost transport layer: sends one request over a connection. Most go through
 * `fetch` with a Deno HTTP client per host trust (tls_trust.ts: CAs, client certificate;
 * proxies from the run's environment). The requests `fetch` cannot make take Node's HTTP
 * client instead (node_connection.ts, loaded only then): a port on the Fetch standard's "bad
 * ports" list, HTTPS to an `--insecure-registry` host (certificate not verified), and a host
 * whose certificate rustls refused as a CA used as its own server certificate while the
 * certificates the user named may vouch for it (Go accepts such a self-signed certificate).
 */
import { debug } from "../util/log.ts";
import { fetchBlocksPort } from "./blocked_ports.ts";
import type { EnvGetter } from "./docker_config.ts";
import { createRegistryHttpClient } from "./http_client.ts";
import type { NodeConnections, NodeRequest, NodeTls } from "./node_connection.ts";
import { type RoundTrip, shownUrl, type TransportRequest } from "./round_trip.ts";
import { isListedRegistry } from "./scheme.ts";
import type { HostTrust, TlsTrust } from "./tls_trust.ts";

/** The connection layer: its round trip, and `close` to release every connection. */
interface Connections {
  readonly send: RoundTrip;
  close(): void;
}

/** What the connection layer needs. */
interface ConnectionOptions {
  /** What each host's TLS connections trust and present. */
  trust: TlsTrust;
  /** `--insecure-registry` registries (`host[:port]`, that port only): TLS not verified. */
  unverifiedTls: readonly string[];
  /** The run's environment (proxy variables). */
  env: EnvGetter;
}

/** rustls's refusal of a CA certificate presented as the server's own. */
const CA_AS_SERVER = /CaUsedAsEndEntity/;
/** A server asking for a client certificate that was not sent (or not accepted). */
const CLIENT_CERT_WANTED = /alert: (?:BadCertificate|CertificateRequired)/;

/** The message chain of an error (fetch puts the reason in `cause`). */
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, i = 0; e instanceof Error && i < 8; e = e.cause, i++) {
    parts.push(e.message);
  }
  return parts.join(" | ");
}

/** The request body as Node's client takes it, with the content type `fetch` would add. */
async function nodeBody(
  payload: unknown,
  headers: Headers,
): Promise<Uint8Array | ReadableStream<Uint8Array> | null> {
  if (payload === null || payload === undefined) return null;
  if (payload instanceof Uint8Array || payload instanceof ReadableStream) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (payload instanceof Blob) return new Uint8Array(await payload.arrayBuffer());
  if (payload instanceof URLSearchParams && !headers.has("content-type")) {
    headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
  } else if (typeof payload === "string" && !headers.has("content-type")) {
    headers.set("content-type", "text/plain;charset=UTF-8");
  }
  return new TextEncoder().encode(String(payload));
}

/** Sends requests over `fetch` or, where it cannot go, Node's HTTP client. */
export function openConnections(opts: ConnectionOptions): Connections {
  const clients = new Map<string, Deno.HttpClient>();
  /** Origins whose self-signed certificate only Node's TLS accepts. */
  const pinned = new Set<string>();
  let node: Promise<NodeConnections> | undefined;
  let loaded: NodeConnections | undefined;
  let closed = false;
  const nodeConnections = () =>
    node ??= import("./node_connection.ts").then((m) => {
      loaded = new m.NodeConnections(opts.env);
      if (closed) loaded.close();
      return loaded;
    });

  /** The client for a host's trust; plain HTTP (no trust) needs no certificates loaded. */
  const clientFor = (trust: HostTrust | undefined): Deno.HttpClient => {
    const key = trust === undefined ? "\0plain" : trust.key;
    let client = clients.get(key);
    if (client === undefined) {
      client = createRegistryHttpClient(trust ?? { key, caSources: [] }, opts.env);
      clients.set(key, client);
    }
    return client;
  };

  const viaNode = async (
    req: TransportRequest,
    headers: Headers,
    trust: HostTrust | undefined,
    verify: boolean,
  ): Promise<Response> => {
    const payload = req.body ? await req.body() : null;
    const request: NodeRequest = {
      method: req.method,
      url: req.url,
      headers,
      body: await nodeBody(payload, headers),
      ...(req.signal ? { signal: req.signal } : {}),
    };
    const nodeTls: NodeTls | undefined = trust && {
      key: trust.key,
      caCerts: trust.caSources.map((s) => s.pem),
      verify,
      ...(trust.clientCertificate ? { clientCertificate: trust.clientCertificate } : {}),
    };
    return (await nodeConnections()).send(request, nodeTls);
  };

  const viaFetch = async (
    req: TransportRequest,
    headers: Headers,
    trust: HostTrust | undefined,
  ): Promise<Response> => {
    const payload = req.body ? await req.body() : null;
    const init: RequestInit & { client: Deno.HttpClient; duplex?: "half" } = {
      method: req.method,
      headers,
      body: payload as BodyInit | null,
      redirect: "manual",
      client: clientFor(trust),
    };
    if (req.signal) init.signal = req.signal;
    if (payload instanceof ReadableStream) init.duplex = "half";
    return await fetch(req.url, init);
  };

  const send = async (req: TransportRequest): Promise<Response> => {
    const { url } = req;
    const secure = url.protocol === "https:";
    const headers = new Headers(req.headers);
    if (req.authorization !== undefined) headers.set("authorization", req.authorization);
    if (req.body === undefined) headers.delete("content-type");
    const trust = secure ? opts.trust.forHost(url.host) : undefined;
    const verify = !(secure && isListedRegistry(url.host, opts.unverifiedTls));
    debug(`--> ${req.method} ${shownUrl(url)}`);
    let res: Response;
    if (!verify || fetchBlocksPort(url) || pinned.has(url.origin)) {
      res = await viaNode(req, headers, trust, verify);
    } else {
      try {
        res = await viaFetch(req, headers, trust);
      } catch (err) {
        const why = messages(err);
        const named = trust?.caSources.some((s) => s.explicit) ?? false;
        if (CA_AS_SERVER.test(why) && named) {
          debug(
            `${url.host} presents a self-signed CA certificate: checking it against the named CAs`,
          );
          pinned.add(url.origin);
          res = await viaNode(req, headers, trust, verify);
        } else if (CA_AS_SERVER.test(why)) {
          throw new Error(
            `invalid peer certificate: ${url.host} presents a self-signed CA certificate as its own; trust it by naming it in SSL_CERT_FILE or certs.d/${url.host}/ca.crt`,
          );
        } else if (CLIENT_CERT_WANTED.test(why) && !trust?.clientCertificate) {
          throw new Error(
            `${url.host} asks for a client certificate: put client.cert and client.key in certs.d/${url.host}/`,
          );
        } else throw err;
      }
    }
    debug(`<-- ${res.status} ${req.method} ${shownUrl(url)}`);
    return res;
  };

  return {
    send,
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
      closed = true;
      loaded?.close();
    },
  };
}

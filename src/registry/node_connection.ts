/**
 * HTTP/1.1 over `node:http`/`node:https`, for the registry requests Deno's `fetch` cannot
 * make (connection.ts decides): ports on the Fetch standard's "bad ports" list, HTTPS without
 * certificate verification (`--insecure-registry`), and a self-signed certificate trusted by
 * being named (rustls refuses a CA certificate as the server's own; Go accepts it). Proxies
 * come from the environment as Go reads them; keep-alive connections are pooled per trust.
 * Loaded only when such a request is made, so most runs never start Node compatibility.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import tls from "node:tls";
import type { EnvGetter } from "./docker_config.ts";
import { proxyFor } from "./proxy_env.ts";
import { ProxyTunnel } from "./proxy_tunnel.ts";

/** What a TLS connection made here trusts and presents. */
export interface NodeTls {
  /** Identifies these settings (connections are pooled per key). */
  readonly key: string;
  /** Extra CA certificates (PEM), on top of the built-in roots. */
  readonly caCerts: readonly string[];
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
  /** Check the server's certificate (false for `--insecure-registry`). */
  readonly verify: boolean;
}

/** A request ready to send: headers and body already decided by the connection layer. */
export interface NodeRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array | ReadableStream<Uint8Array> | null;
  signal?: AbortSignal;
}

/** Words the network-error classifier (http_errors.ts) understands, from a Node error. */
function describe(err: Error & { code?: string }): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "EPIPE":
      return "broken pipe";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dns error: failed to lookup address (${err.message})`;
  }
  const text = `${err.code ?? ""} ${err.message}`;
  if (/ERR_SSL|ERR_TLS|SSL routines|certificate|handshake|corrupt message/i.test(text)) {
    // classifyNetworkError says "TLS handshake failed: " before messages it sees as TLS.
    return /certificate|tls|handshake|corrupt message|alert/i.test(err.message)
      ? err.message
      : `TLS handshake failed: ${err.message}`;
  }
  if (/socket hang up/i.test(err.message)) return "connection closed by the server";
  return err.message;
}

/** The response body as a web stream, read as fast as the consumer takes it. */
function bodyStream(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      res.on("data", (chunk: Uint8Array) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.on("end", () => {
        if (!done) controller.close();
        done = true;
      });
      res.on("error", (err: Error) => {
        if (!done) controller.error(new Error(describe(err)));
        done = true;
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      done = true;
      res.destroy();
    },
  }, { highWaterMark: 4 });
}

/** A web Response for a Node answer (no body for HEAD, 204 and 304). */
function toResponse(method: string, res: http.IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  }
  const status = res.statusCode ?? 502;
  const empty = method === "HEAD" || status === 204 || status === 304;
  if (empty) res.resume();
  return new Response(empty ? null : bodyStream(res), {
    status,
    statusText: res.statusMessage ?? "",
    headers,
  });
}

/** Writes a request body, waiting for the socket to drain between chunks. */
async function writeBody(req: http.ClientRequest, body: NodeRequest["body"]): Promise<void> {
  if (body === null) return void req.end();
  if (body instanceof Uint8Array) return void req.end(body);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!req.write(value)) {
        await new Promise<void>((resolve) => {
          const settle = () => {
            req.off("drain", settle);
            req.off("close", settle);
            resolve();
          };
          req.once("drain", settle);
          req.once("close", settle);
        });
      }
      if (req.destroyed) break;
    }
    req.end();
  } catch (err) {
    req.destroy(err instanceof Error ? err : new Error(String(err)));
  } finally {
    reader.releaseLock();
  }
}

/** Requests over Node's HTTP client, with pooled agents and proxy tunnels. */
export class NodeConnections {
  readonly #env: EnvGetter;
  readonly #agents = new Map<string, http.Agent>();
  readonly #tunnels = new Map<string, ProxyTunnel>();

  constructor(env: EnvGetter) {
    this.#env = env;
  }

  /** Sends a request; rejects with an Error worded like `fetch`'s when no answer came. */
  send(req: NodeRequest, trust: NodeTls | undefined): Promise<Response> {
    const { url } = req;
    const secure = url.protocol === "https:";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (secure ? 443 : 80));
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => headers[name] = value);
    headers.host = url.host;
    const options: https.RequestOptions = {
      method: req.method,
      host,
      port,
      path: `${url.pathname}${url.search}`,
      headers,
    };
    const proxy = proxyFor(url, this.#env);
    let tunnel: ProxyTunnel | undefined;
    if (secure) {
      const t = trust ?? { key: "", caCerts: [], verify: true };
      Object.assign(options, {
        ca: [...tls.rootCertificates, ...t.caCerts],
        rejectUnauthorized: t.verify,
        ...(isIP(host) ? {} : { servername: host }),
        checkServerIdentity: (_: string, cert: tls.PeerCertificate) =>
          tls.checkServerIdentity(host, cert),
        ...(t.clientCertificate
          ? { cert: t.clientCertificate.cert, key: t.clientCertificate.key }
          : {}),
      });
      if (proxy !== undefined) {
        tunnel = this.#tunnel(proxy, isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);
        options.host = "127.0.0.1";
        options.port = tunnel.port;
      }
      options.agent = this.#agent(`https ${t.key} ${t.verify}`, true);
    } else {
      if (proxy !== undefined) {
        options.host = proxy.hostname.replace(/^\[|\]$/g, "");
        options.port = Number(proxy.port || 80);
        options.path = url.href;
        if (proxy.username !== "") {
          const userinfo = `${decodeURIComponent(proxy.username)}:${
            decodeURIComponent(proxy.password)
          }`;
          headers["proxy-authorization"] = `Basic ${
            btoa(String.fromCharCode(...new TextEncoder().encode(userinfo)))
          }`;
        }
      }
      options.agent = this.#agent("http", false);
    }
    return new Promise<Response>((resolve, reject) => {
      const request = (secure ? https : http).request(options, (res) => {
        req.signal?.removeEventListener("abort", onAbort);
        resolve(toResponse(req.method, res));
      });
      const onAbort = () => request.destroy(req.signal?.reason);
      if (req.signal?.aborted) return reject(req.signal.reason);
      req.signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", (err: Error & { code?: string }) => {
        req.signal?.removeEventListener("abort", onAbort);
        if (req.signal?.aborted) return reject(req.signal.reason);
        const failure = tunnel?.lastFailure;
        if (tunnel !== undefined) tunnel.lastFailure = undefined;
        reject(new Error(failure ?? describe(err), { cause: err }));
      });
      writeBody(request, req.body);
    });
  }

  #agent(key: string, secure: boolean): http.Agent {
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  #tunnel(proxy: URL, target: string): ProxyTunnel {
    const key = `${proxy.href} ${target}`;
    let tunnel = this.#tunnels.get(key);
    if (tunnel === undefined) {
      tunnel = new ProxyTunnel(proxy, target);
      this.#tunnels.set(key, tunnel);
    }
    return tunnel;
  }

  /** Closes every pooled connection and tunnel. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    for (const tunnel of this.#tunnels.values()) tunnel.close();
    this.#tunnels.clear();
  }
}

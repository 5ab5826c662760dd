/**
 * HTTPS without certificate verification, for `--insecure-registry` (ko sets
 * `InsecureSkipVerify` on its push transport). Deno's `fetch` cannot skip verification per
 * client, so requests for such a host go, in clear text, to a loopback listener owned by this
 * process (a `tcp` transport of `Deno.createHttpClient`, which writes `GET https://host/… HTTP/1.1`
 * to it), and each connection is carried on to the registry over TLS opened with
 * `rejectUnauthorized: false`. Nothing leaves the machine unencrypted.
 */
import { isIP } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { debug } from "../util/log.ts";
import { TUNNEL_ERROR_HEADER } from "./tunnel_failure.ts";

/** Words the network-error classifier understands for a failed TLS connection. */
function describe(err: Error & { code?: string }): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dns error: failed to lookup address (${err.message})`;
  }
  if (
    /ERR_SSL|ERR_TLS|SSL routines|certificate|handshake|corrupt message/i.test(
      `${err.code ?? ""} ${err.message}`,
    )
  ) {
    // classifyNetworkError adds "TLS handshake failed: " to messages it recognises as TLS.
    return /certificate|tls|handshake|corrupt message|alert/i.test(err.message)
      ? err.message
      : `TLS handshake failed: ${err.message}`;
  }
  return err.message;
}

/** A loopback tunnel to one `host:port` whose certificate is not verified. */
export class UnverifiedTlsTunnel {
  /** An HTTP client whose every request goes through the tunnel. */
  readonly client: Deno.HttpClient;
  readonly #listener: Deno.TcpListener;
  readonly #open = new Set<{ conn: Deno.TcpConn; tls: TLSSocket }>();
  #closed = false;

  /** Opens a tunnel to `hostname:port` (a hostname, IPv4 or bare IPv6 address). */
  constructor(readonly hostname: string, readonly port: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const addr = this.#listener.addr as Deno.NetAddr;
    this.client = Deno.createHttpClient({
      proxy: { transport: "tcp", hostname: addr.hostname, port: addr.port },
    });
    this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#carry(conn);
    } catch {
      // The listener was closed.
    }
  }

  #carry(conn: Deno.TcpConn): void {
    const tls = connect({
      host: this.hostname,
      port: this.port,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      ...(isIP(this.hostname) ? {} : { servername: this.hostname }),
    });
    const entry = { conn, tls };
    this.#open.add(entry);
    let done = false;
    let answered = false;
    const end = (why?: unknown) => {
      if (done) return;
      done = true;
      this.#open.delete(entry);
      if (why !== undefined) debug(`unverified TLS to ${this.hostname}:${this.port}: ${why}`);
      tls.destroy();
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    };
    const writer = conn.writable.getWriter();
    tls.on("data", (chunk: Uint8Array) => {
      answered = true;
      tls.pause();
      writer.write(chunk).then(() => tls.resume(), () => end());
    });
    tls.on("error", (err: Error) => {
      if (answered || done) return end(err.message);
      // Tell the client why, so it reports "connection refused" or a TLS failure, not a
      // connection closed by the server (which would be retried).
      const why = describe(err).replace(/[\r\n]+/g, " ");
      const head = `HTTP/1.1 502 Bad Gateway\r\n${TUNNEL_ERROR_HEADER}: ${why}\r\n` +
        "content-length: 0\r\nconnection: close\r\n\r\n";
      answered = true;
      writer.write(new TextEncoder().encode(head)).then(() => end(why), () => end(why));
    });
    tls.on("close", () => end());
    (async () => {
      try {
        for await (const chunk of conn.readable) {
          if (done) break;
          if (!tls.write(chunk)) await new Promise((r) => tls.once("drain", r));
        }
      } catch {
        // The client closed its side.
      }
      end();
    })();
  }

  /** Closes the client, the listener and every open connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.client.close();
    this.#listener.close();
    for (const { conn, tls } of this.#open) {
      tls.destroy();
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    this.#open.clear();
  }
}

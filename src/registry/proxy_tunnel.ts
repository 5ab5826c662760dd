/**
 * An HTTPS proxy tunnel for the connections this process makes itself (node_connection.ts): a
 * loopback listener whose every connection is carried to one `host:port` through an HTTP
 * proxy's `CONNECT`. TLS then runs end to end over it, so the registry's certificate is
 * checked as on a direct connection. (Deno's `node:tls` ignores the trusted CAs when it is
 * given an already connected socket, so the TLS client must open the connection itself.)
 */
import { debug } from "../util/log.ts";

/** Reads a proxy's answer to CONNECT: its status line, and any bytes after the header. */
async function readConnectAnswer(
  conn: Deno.Conn,
): Promise<{ status: number; line: string; rest: Uint8Array }> {
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error("the proxy closed the connection");
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    const text = new TextDecoder("latin1").decode(buf);
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const line = text.slice(0, text.indexOf("\r\n"));
      const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(line)?.[1] ?? 0);
      return { status, line, rest: buf.subarray(end + 4) };
    }
    if (buf.length > 65536) throw new Error("the proxy's answer to CONNECT is too long");
  }
}

/** A loopback listener tunnelling each connection through `proxy` to `target`. */
export class ProxyTunnel {
  /** The loopback port to connect to instead of the target. */
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #open = new Set<Deno.Conn>();
  /** Why the last tunnel could not be opened, for the error of the request that used it. */
  lastFailure: string | undefined;

  /** `target` is `host:port` (`[v6]:port` for IPv6). */
  constructor(readonly proxy: URL, readonly target: string) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#carry(conn);
    } catch {
      // The listener was closed.
    }
  }

  async #carry(client: Deno.Conn): Promise<void> {
    this.#open.add(client);
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await this.#connect();
      this.#open.add(upstream);
      await Promise.all([
        client.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(client.writable).catch(() => {}),
      ]);
    } catch (err) {
      this.lastFailure = `${this.#name()}: ${err instanceof Error ? err.message : String(err)}`;
      debug(this.lastFailure);
    } finally {
      for (const c of [client, upstream]) {
        if (c === undefined) continue;
        this.#open.delete(c);
        try {
          c.close();
        } catch {
          // Already closed by the pipe.
        }
      }
    }
  }

  /** Opens the proxy connection and asks it for the tunnel. */
  async #connect(): Promise<Deno.Conn> {
    const { proxy } = this;
    const hostname = proxy.hostname.replace(/^\[|\]$/g, "");
    const secure = proxy.protocol === "https:";
    const port = Number(proxy.port || (secure ? 443 : 80));
    const conn = secure
      ? await Deno.connectTls({ hostname, port })
      : await Deno.connect({ hostname, port });
    try {
      let head = `CONNECT ${this.target} HTTP/1.1\r\nHost: ${this.target}\r\n`;
      if (proxy.username !== "") {
        const userinfo = `${decodeURIComponent(proxy.username)}:${
          decodeURIComponent(proxy.password)
        }`;
        const bytes = new TextEncoder().encode(userinfo);
        head += `Proxy-Authorization: Basic ${btoa(String.fromCharCode(...bytes))}\r\n`;
      }
      await conn.write(new TextEncoder().encode(`${head}\r\n`));
      const answer = await readConnectAnswer(conn);
      if (answer.status !== 200) throw new Error(`the proxy answered ${answer.line.slice(9)}`);
      if (answer.rest.length > 0) throw new Error("the proxy sent data before the tunnel opened");
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  #name(): string {
    return `proxy ${this.proxy.host} tunnel to ${this.target}`;
  }

  /** Closes the listener and every open connection. */
  close(): void {
    this.#listener.close();
    for (const c of this.#open) {
      try {
        c.close();
      } catch {
        // Already closed.
      }
    }
    this.#open.clear();
  }
}

/**
 * A loopback HTTP proxy sending each tunnel (`CONNECT host:port`) and each plain-HTTP request
 * (`GET http://host:port/…`) to a 127.0.0.1 port chosen by the test from the requested host:
 * the way to reach a registry or a cloud stand-in under a public name (`ghcr.io`,
 * `oauth2.googleapis.com`…) with no traffic leaving the machine. Given in `HTTPS_PROXY` (and
 * `HTTP_PROXY`); records every target asked for.
 *
 * @example
 * ```ts
 * await using proxy = await startConnectProxy((host) => host === "ghcr.io" ? reg.port : undefined);
 * // HTTPS_PROXY=proxy.url, then https://ghcr.io/v2/ reaches the registry
 * ```
 */
import { concatBytes } from "./bytes.ts";

/** A running CONNECT proxy. */
export interface ConnectProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, for `HTTPS_PROXY`. */
  url: string;
  /** Every `host:port` a client asked to tunnel to, in order. */
  targets: string[];
  stop(): Promise<void>;
}

/** Where a tunnel to `host` (the name asked for, without port) goes: a 127.0.0.1 port. */
export type TunnelRoute = (host: string, port: number) => number | undefined;

const encoder = new TextEncoder();

/**
 * Reads up to the end of the request head: its text, and every byte read (which may go on
 * into the body); undefined when the client went away.
 */
async function readHead(conn: Deno.Conn): Promise<{ text: string; bytes: Uint8Array } | undefined> {
  let buf: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(2048);
  while (buf.length < 65536) {
    const n = await conn.read(chunk);
    if (n === null) return undefined;
    buf = concatBytes([buf, chunk.subarray(0, n)]);
    const text = new TextDecoder("latin1").decode(buf);
    if (text.includes("\r\n\r\n")) return { text, bytes: buf };
  }
  return undefined;
}

/** Starts the proxy on a free loopback port. */
export function startConnectProxy(route: TunnelRoute): Promise<ConnectProxy> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const targets: string[] = [];
  const tasks = new Set<Promise<void>>();
  const close = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch {
      // already closed
    }
  };

  const handle = async (conn: Deno.Conn) => {
    open.add(conn);
    let upstream: Deno.Conn | undefined;
    try {
      const read = await readHead(conn);
      const head = read?.text;
      const forward = head === undefined
        ? null
        : /^[A-Z]+ http:\/\/(\[[^\]]+\]|[^/:\s]+)(?::(\d+))?\/\S* HTTP\/1\.[01]\r\n/.exec(head);
      if (forward) {
        // A plain-HTTP request in absolute form: passed on as it is (Go's server takes it).
        const host = forward[1]!.replace(/^\[|\]$/g, "");
        const port = Number(forward[2] ?? 80);
        targets.push(`${forward[1]}:${port}`);
        const to = route(host, port);
        if (to === undefined) {
          await conn.write(encoder.encode("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
          return;
        }
        upstream = await Deno.connect({ hostname: "127.0.0.1", port: to });
        open.add(upstream);
        await upstream.write(read!.bytes);
        await Promise.all([
          conn.readable.pipeTo(upstream.writable).catch(() => {}),
          upstream.readable.pipeTo(conn.writable).catch(() => {}),
        ]);
        return;
      }
      const m = head === undefined ? null : /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
      if (!m) {
        await conn.write(encoder.encode("HTTP/1.1 405 Method Not Allowed\r\n\r\n"));
        return;
      }
      const host = m[1]!.replace(/^\[|\]$/g, "");
      targets.push(`${m[1]}:${m[2]}`);
      const port = route(host, Number(m[2]));
      if (port === undefined) {
        await conn.write(encoder.encode("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
        return;
      }
      upstream = await Deno.connect({ hostname: "127.0.0.1", port });
      open.add(upstream);
      await conn.write(encoder.encode("HTTP/1.1 200 Connection established\r\n\r\n"));
      await Promise.all([
        conn.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(conn.writable).catch(() => {}),
      ]);
    } catch {
      // a side went away
    } finally {
      close(conn);
      if (upstream) close(upstream);
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const task = handle(conn);
        tasks.add(task);
        task.finally(() => tasks.delete(task));
      }
    } catch {
      // closed
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      listener.close();
      for (const c of [...open]) close(c);
      await accepting;
      await Promise.all([...tasks]);
    })();
    return stopped;
  };
  const port = (listener.addr as Deno.NetAddr).port;
  return Promise.resolve({
    url: `http://127.0.0.1:${port}`,
    targets,
    stop,
    [Symbol.asyncDispose]: stop,
  });
}

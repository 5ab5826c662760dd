/**
 * An HTTP proxy on loopback that records every request a client sends it (a `CONNECT host:443`
 * tunnel or a plain `GET http://…`) and lets none through: each is answered 403 and closed.
 * Given as `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` to a process, it shows whether that process
 * tried to reach anything beyond what it reaches directly (loopback is never proxied).
 *
 * @example
 * ```ts
 * await using proxy = startRecordingProxy();
 * await run("ko", ["build", "."], { env: proxy.env });
 * deepEqual(proxy.requests, []);
 * ```
 */

/** A running recording proxy. */
export interface RecordingProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The request lines received so far (`CONNECT dl.deno.land:443 HTTP/1.1`…). */
  requests: string[];
  /** The proxy variables, upper and lower case, pointing at this proxy. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const REFUSAL = new TextEncoder().encode(
  "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
);
const HEAD_LIMIT = 16 * 1024;

/** Starts a recording proxy on 127.0.0.1 (a free port). */
export function startRecordingProxy(): RecordingProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  const requests: string[] = [];
  const open = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();

  const handle = async (conn: Deno.Conn) => {
    open.add(conn);
    try {
      const head = await readHead(conn);
      requests.push(head.split("\r\n", 1)[0]!);
      await conn.write(REFUSAL);
    } catch {
      // the client went away: what it sent (if anything) is recorded
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      const h = handle(conn);
      handlers.add(h);
      void h.finally(() => handlers.delete(h));
    }
  })().catch(() => {});

  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all(handlers);
    })();
  const env: Record<string, string> = {};
  for (const name of ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"]) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  return { url, requests, env, stop, [Symbol.asyncDispose]: stop };
}

/** Reads up to the end of the request head (or what arrives before the client stops). */
async function readHead(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(HEAD_LIMIT);
  let n = 0;
  while (n < buf.length) {
    const got = await conn.read(buf.subarray(n));
    if (got === null) break;
    n += got;
    if (new TextDecoder().decode(buf.subarray(0, n)).includes("\r\n\r\n")) break;
  }
  return new TextDecoder().decode(buf.subarray(0, n));
}

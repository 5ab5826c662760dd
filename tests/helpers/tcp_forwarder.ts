/**
 * A loopback TCP forwarder: every connection to its port is piped to `127.0.0.1:<target>`.
 * Lets the helpers' plain `fetch` reach a registry listening on a port `fetch` refuses (the
 * Fetch standard's "bad ports"), e.g. to push fixtures there.
 */

/** A running forwarder. */
export interface TcpForwarder extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts forwarding a free loopback port to `127.0.0.1:target`. */
export function startTcpForwarder(target: number): TcpForwarder {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const carry = async (conn: Deno.Conn) => {
    open.add(conn);
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: target });
      open.add(upstream);
      await Promise.all([
        conn.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(conn.writable).catch(() => {}),
      ]);
    } catch {
      // the target is gone
    } finally {
      for (const c of [conn, upstream]) {
        if (!c) continue;
        open.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const task = carry(conn);
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
      for (const c of [...open]) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all([...tasks]);
    })();
    return stopped;
  };
  const port = (listener.addr as Deno.NetAddr).port;
  return { host: `127.0.0.1:${port}`, port, stop, [Symbol.asyncDispose]: stop };
}

/**
 * A loopback TCP forwarder that slows what clients send (upload bodies) to about `bytesPerSecond`,
 * so that a push lasts long enough to be watched. Everything else passes as it is.
 *
 * @example
 * ```ts
 * await using slow = await startThrottleProxy(registry.host, 1_000_000);
 * // KO_DOCKER_REPO=${slow.host}/app
 * ```
 */

/** A running forwarder. */
export interface ThrottleProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
}

const CHUNK = 16 * 1024;

/** Forwards connections to `target` (`host:port`), sending client bytes at the given rate. */
export function startThrottleProxy(target: string, bytesPerSecond: number): ThrottleProxy {
  const [hostname, port] = [
    target.slice(0, target.lastIndexOf(":")),
    target.slice(target.lastIndexOf(":") + 1),
  ];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes: Promise<void>[] = [];
  const serve = (async () => {
    for await (const client of listener) {
      open.add(client);
      pipes.push((async () => {
        let upstream: Deno.Conn | undefined;
        try {
          upstream = await Deno.connect({ hostname, port: Number(port) });
          open.add(upstream);
          await Promise.all([slowCopy(client, upstream, bytesPerSecond), copy(upstream, client)]);
        } catch {
          // a side went away: close both
        } finally {
          for (const c of [client, upstream]) {
            if (c && open.delete(c)) {
              try {
                c.close();
              } catch { /* closed */ }
            }
          }
        }
      })());
    }
  })();
  const addr = listener.addr as Deno.NetAddr;
  return {
    host: `127.0.0.1:${addr.port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serve.catch(() => {});
      await Promise.allSettled(pipes);
    },
  };
}

async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await from.read(buf);
    if (n === null) {
      await to.closeWrite().catch(() => {});
      return;
    }
    await writeAll(to, buf.subarray(0, n));
  }
}

async function slowCopy(from: Deno.Conn, to: Deno.Conn, rate: number): Promise<void> {
  const buf = new Uint8Array(CHUNK);
  for (;;) {
    const n = await from.read(buf);
    if (n === null) {
      await to.closeWrite().catch(() => {});
      return;
    }
    await writeAll(to, buf.subarray(0, n));
    // Pace the flow: a chunk of n bytes takes n / rate seconds.
    await new Promise((r) => setTimeout(r, (n / rate) * 1000));
  }
}

async function writeAll(to: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await to.write(bytes.subarray(off));
}

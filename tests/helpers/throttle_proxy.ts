/**
 * A loopback TCP forwarder that slows what clients send (upload bodies) to about `bytesPerSecond`,
 * so that a push lasts long enough to be watched; with `download`, what servers send back (blob
 * downloads) too. It counts the bytes and notes the HTTP request lines that pass, so a test can
 * wait for a moment of the traffic (an upload under way, the manifest PUT) without sleeping.
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
  /** Bytes clients have sent so far (forwarded to the server). */
  readonly sent: number;
  /** Bytes the server has sent back so far. */
  readonly received: number;
  /** The request lines (`PUT /v2/…/manifests/t`) clients have sent so far, in order. */
  readonly requests: readonly string[];
}

/** Options of {@link startThrottleProxy}. */
export interface ThrottleOptions {
  /** Also slow what the server sends back to about this many bytes per second. */
  download?: number;
}

const CHUNK = 16 * 1024;

/** An HTTP/1.1 request line at the start of a line of what a client sent. */
const REQUEST_LINE = /(?:^|\r\n)((?:GET|HEAD|POST|PUT|PATCH|DELETE) \S+) HTTP\/1\.1\r\n/g;

/** Forwards connections to `target` (`host:port`), sending client bytes at the given rate. */
export function startThrottleProxy(
  target: string,
  bytesPerSecond: number,
  options: ThrottleOptions = {},
): ThrottleProxy {
  const [hostname, port] = [
    target.slice(0, target.lastIndexOf(":")),
    target.slice(target.lastIndexOf(":") + 1),
  ];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const seen = { sent: 0, received: 0, requests: [] as string[] };
  const dec = new TextDecoder("latin1");
  const onSent = (chunk: Uint8Array) => {
    seen.sent += chunk.length;
    for (const m of dec.decode(chunk).matchAll(REQUEST_LINE)) seen.requests.push(m[1]!);
  };
  const onReceived = (chunk: Uint8Array) => void (seen.received += chunk.length);
  const pipes: Promise<void>[] = [];
  const serve = (async () => {
    for await (const client of listener) {
      open.add(client);
      pipes.push((async () => {
        let upstream: Deno.Conn | undefined;
        try {
          upstream = await Deno.connect({ hostname, port: Number(port) });
          open.add(upstream);
          await Promise.all([
            copy(client, upstream, bytesPerSecond, onSent),
            copy(upstream, client, options.download, onReceived),
          ]);
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
    get sent() {
      return seen.sent;
    },
    get received() {
      return seen.received;
    },
    get requests() {
      return seen.requests;
    },
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

/** Copies `from` to `to`, at about `rate` bytes per second when given, telling `onChunk`. */
async function copy(
  from: Deno.Conn,
  to: Deno.Conn,
  rate: number | undefined,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const buf = new Uint8Array(rate === undefined ? 64 * 1024 : CHUNK);
  for (;;) {
    const n = await from.read(buf);
    if (n === null) {
      await to.closeWrite().catch(() => {});
      return;
    }
    await writeAll(to, buf.subarray(0, n));
    onChunk(buf.subarray(0, n));
    // Pace the flow: a chunk of n bytes takes n / rate seconds.
    if (rate !== undefined) await new Promise((r) => setTimeout(r, (n / rate) * 1000));
  }
}

async function writeAll(to: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await to.write(bytes.subarray(off));
}

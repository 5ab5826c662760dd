/**
 * A loopback HTTP proxy in front of a plain-HTTP registry that passes requests through and, per
 * request, can misbehave the way a broken or hostile registry does: flip one byte of the answer
 * body (same length, so only a digest check notices), answer nothing (the request is read, no
 * status ever comes), or send the status and headers and then never the body. Stalled answers
 * are released by {@link TamperProxy.stop}. Built on `Deno.serve` and `fetch`; `Location`
 * headers naming the registry are rewritten to the proxy.
 *
 * @example
 * ```ts
 * await using proxy = await startTamperProxy(reg.host, ({ method, path }) =>
 *   method === "GET" && path.includes("/blobs/") ? "flip" : "pass");
 * // pull `${proxy.host}/repo:tag` …
 * ```
 */

/** What the rule sees of a request. */
export interface TamperRequest {
  method: string;
  /** The path without the query. */
  path: string;
  /** 1-based count of requests the proxy has received. */
  n: number;
}

/** What to do with a request. */
export type TamperAction = "pass" | "flip" | "stall" | "stall-body";

/** Decides what happens to a request. */
export type TamperRule = (req: TamperRequest) => TamperAction;

/** A running tamper proxy. */
export interface TamperProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`, to use instead of the registry's host. */
  host: string;
  /** Each request as `<action> <METHOD> <path>`, in arrival order. */
  requests: string[];
  stop(): Promise<void>;
}

/** Starts a tamper proxy in front of `target` (`host:port` of a plain-HTTP server). */
export function startTamperProxy(target: string, rule: TamperRule): Promise<TamperProxy> {
  const released = Promise.withResolvers<void>();
  const stalledBodies = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const requests: string[] = [];
  let count = 0;
  let host = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const action = rule({ method: req.method, path: url.pathname, n: ++count });
    requests.push(`${action} ${req.method} ${url.pathname}`);
    if (action === "stall") {
      await released.promise;
      return new Response(null, { status: 503 });
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    const up = await fetch(`http://${target}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
    const out = new Headers(up.headers);
    const location = out.get("location");
    if (location !== null) out.set("location", location.replace(`//${target}/`, `//${host}/`));
    if (action === "stall-body") {
      await up.body?.cancel();
      let stalled: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => void stalledBodies.add(stalled = controller),
        cancel: () => void stalledBodies.delete(stalled), // the client went away
      });
      return new Response(body, { status: up.status, headers: out });
    }
    if (action === "flip" && up.body !== null) {
      const bytes = new Uint8Array(await up.arrayBuffer());
      if (bytes.length > 0) bytes[bytes.length >> 1]! ^= 0x01;
      return new Response(bytes, { status: up.status, headers: out });
    }
    return new Response(up.body, { status: up.status, headers: out });
  });
  host = `127.0.0.1:${server.addr.port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      released.resolve();
      for (const c of stalledBodies) c.close(); // a short body: the client sees it cut off
      await server.shutdown();
    })();
  return Promise.resolve({ host, requests, stop, [Symbol.asyncDispose]: stop });
}

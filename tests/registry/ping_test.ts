/**
 * The ping of a registry that is not on this machine: HTTPS only for public hosts; for
 * private-network and `--insecure-registry` hosts HTTPS first, plain HTTP alongside it after
 * 300 ms, the first usable answer wins.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { RegistryClient } from "../../src/registry/client.ts";
import { NetworkError } from "../../src/registry/http_errors.ts";
import { ping } from "../../src/registry/ping.ts";
import type { RoundTrip } from "../../src/registry/round_trip.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { FAST_RETRY } from "./support.ts";
import { startSilentListener } from "../helpers/tools.ts";

/**
 * A server on 127.0.0.1 that answers plain HTTP `GET /v2/` with 200 and resets a connection
 * that starts a TLS handshake (a retryable failure).
 */
function plainServerIgnoringTls() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      const first = new Uint8Array(1);
      if (await conn.read(first) === null) return;
      if (first[0] === 0x16) { // a TLS ClientHello: closing with it unread sends a reset
        conn.close();
        conns.delete(conn);
        return;
      }
      await conn.read(new Uint8Array(4096));
      await conn.write(
        new TextEncoder().encode(
          "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n" +
            "connection: close\r\n\r\n{}",
        ),
      );
      conn.close();
      conns.delete(conn);
    } catch {
      // closed by close()
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch {
      // listener closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
    },
  };
}

Deno.test("plain HTTP answering while HTTPS waits to retry wins the ping of an insecure registry", async () => {
  const server = plainServerIgnoringTls();
  // 0.0.0.0 reaches the loopback server but is not a local name: HTTPS is tried first.
  const registry = `0.0.0.0:${server.port}`;
  const client = new RegistryClient({
    keychain: () => Promise.resolve({}),
    // HTTPS is still waiting to retry when plain HTTP answers (it starts after 300 ms).
    retry: { ...FAST_RETRY, baseDelayMs: 2000 },
    insecureRegistries: [registry],
  });
  try {
    const result = await client.ping(registry);
    equal(result.scheme, "http");
    equal(result.challenge, undefined);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("an insecure plain registry answering 503 is reported by that answer, not a TLS failure", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buf = new Uint8Array(4096);
        const got = await conn.read(buf).catch(() => null);
        const answer = got && buf[0] === 0x16
          ? "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
          : "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
        await conn.write(new TextEncoder().encode(answer)).catch(() => {});
        conn.close();
      })());
    }
  })().catch(() => {});
  const registry = `0.0.0.0:${(listener.addr as Deno.NetAddr).port}`;
  const client = new RegistryClient({
    keychain: () => Promise.resolve({}),
    retry: FAST_RETRY,
    insecureRegistries: [registry],
  });
  try {
    await client.ping(registry).then(
      () => Promise.reject(new Error("the ping should fail")),
      (err: Error) => equal(err.message, `GET http://${registry}/v2/: 503 Service Unavailable: {}`),
    );
  } finally {
    client.close();
    listener.close();
    await accepting;
    await Promise.all(conns);
  }
});

Deno.test("a registry that accepts connections but never answers fails the ping in time", async () => {
  await using silent = startSilentListener();
  const registry = silent.host;
  const transport = createTransport({ retry: FAST_RETRY, idleTimeoutMs: 300 });
  try {
    // Timed out over plain HTTP (retried like a reset), then not asked over HTTPS: a TLS
    // server answers or drops a plain request, it does not keep silent.
    await rejects(ping(transport.send, registry), {
      name: "IdleTimeoutError",
      message: `cannot reach registry ${registry}: no answer to GET http://${registry}/v2/: ` +
        "nothing received for 0.3 s (KO_REGISTRY_TIMEOUT) (gave up after 3 attempts)",
    });
    equal(silent.conns.length, 3);
  } finally {
    transport.close();
  }
});

/** A transport to a plain HTTP registry: HTTPS fails its handshake, plain HTTP answers 200. */
function plainOnly(): { asked: string[]; send: RoundTrip } {
  const asked: string[] = [];
  const send: RoundTrip = (req) => {
    asked.push(req.url.href);
    if (req.url.protocol === "http:") return Promise.resolve(new Response("{}"));
    return Promise.reject(
      new NetworkError(`cannot reach registry ${req.registry}: TLS handshake failed: no TLS`, {
        retryable: false,
        tls: true,
      }),
    );
  };
  return { asked, send };
}

Deno.test("a private-network (RFC 1918) registry falls back to plain HTTP without --insecure-registry", async () => {
  for (const registry of ["10.1.2.3:5000", "172.20.0.2", "192.168.49.2:5000"]) {
    const t = plainOnly();
    equal((await ping(t.send, registry)).scheme, "http", registry);
    deepEqual(t.asked, [`https://${registry}/v2/`, `http://${registry}/v2/`], registry);
  }
});

Deno.test("a public registry is pinged over HTTPS only unless --insecure-registry names it", async () => {
  const registry = "203.0.113.7:5000";
  const strict = plainOnly();
  await rejects(ping(strict.send, registry), { name: "NetworkError", message: /TLS handshake/ });
  deepEqual(strict.asked, [`https://${registry}/v2/`]);
  const insecure = plainOnly();
  equal((await ping(insecure.send, registry, { insecure: [registry] })).scheme, "http");
  deepEqual(insecure.asked, [`https://${registry}/v2/`, `http://${registry}/v2/`]);
});

Deno.test("a registry on this machine is asked over plain HTTP first", async () => {
  for (const registry of ["127.0.0.1:5000", "registry.localhost:5000", "[::1]:5000"]) {
    const t = plainOnly();
    equal((await ping(t.send, registry)).scheme, "http", registry);
    deepEqual(t.asked, [`http://${registry}/v2/`], registry);
  }
});

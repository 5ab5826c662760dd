/**
 * The ping of an `--insecure-registry` host that is not local: HTTPS first, plain HTTP alongside
 * it after 300 ms, the first usable answer wins.
 */
import { equal } from "node:assert/strict";
import { RegistryClient } from "../../src/registry/client.ts";
import { FAST_RETRY } from "./support.ts";

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

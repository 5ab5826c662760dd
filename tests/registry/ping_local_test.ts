/**
 * Local registries are pinged over plain HTTP first (no TLS handshake, so no CA-root loading
 * on a warm build), and still reached over HTTPS when they speak TLS.
 */
import { deepEqual, equal } from "node:assert/strict";
import { RegistryClient } from "../../src/registry/client.ts";
import { startRegistry } from "../helpers/registry_server.ts";

/** A plain HTTP server on loopback that records how each connection starts. */
function recordingServer(): { port: number; firsts: number[]; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const firsts: number[] = [];
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buf = new Uint8Array(4096);
        const n = await conn.read(buf).catch(() => null);
        if (n) {
          firsts.push(buf[0]!);
          if (buf[0] === 0x47) { // "GET"
            const body = "{}";
            await conn.write(new TextEncoder().encode(
              `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n` +
                `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
            )).catch(() => {});
          }
        }
        conn.close();
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    firsts,
    close: async () => {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(conns);
    },
  };
}

Deno.test("a local registry is pinged over plain HTTP without a TLS attempt", async () => {
  const server = recordingServer();
  const client = new RegistryClient({ keychain: () => Promise.resolve({}) });
  try {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      equal((await client.ping(host)).scheme, "http");
    }
    deepEqual(server.firsts, [0x47, 0x47]); // two GETs, no TLS ClientHello (0x16)
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("a local registry speaking TLS is still reached over HTTPS", async () => {
  await using reg = await startRegistry({ mode: "tls" });
  const client = new RegistryClient({
    caCerts: [reg.caCertPem!],
    trustSystemStore: false,
    keychain: () => Promise.resolve({}),
  });
  try {
    equal((await client.ping(reg.host)).scheme, "https");
  } finally {
    client.close();
  }
});

/**
 * A plain HTTP server on loopback answering `GET /v2/` with the given statuses in turn (the
 * last one repeats) and a TLS ClientHello as Go's server does: `400 Bad Request`.
 */
function statusServer(statuses: number[]): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Promise<void>[] = [];
  let n = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buf = new Uint8Array(4096);
        const got = await conn.read(buf).catch(() => null);
        let answer =
          "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
        if (got && buf[0] !== 0x16) {
          const status = statuses[Math.min(n++, statuses.length - 1)];
          answer = `HTTP/1.1 ${status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
        }
        await conn.write(new TextEncoder().encode(answer)).catch(() => {});
        conn.close();
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: async () => {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(conns);
    },
  };
}

Deno.test("a local plain registry answering 503 once is retried, not reported as a TLS failure", async () => {
  const fast = { baseDelayMs: 5, jitter: 0 };
  const flaky = statusServer([503, 200]);
  const down = statusServer([503]);
  const client = new RegistryClient({ keychain: () => Promise.resolve({}), retry: fast });
  try {
    const registry = `127.0.0.1:${flaky.port}`;
    deepEqual(await client.ping(registry), { registry, scheme: "http" });
    const other = `127.0.0.1:${down.port}`;
    await client.ping(other).then(
      () => Promise.reject(new Error("the ping should fail")),
      (err: Error) => equal(err.message, `GET http://${other}/v2/: 503 Service Unavailable: {}`),
    );
  } finally {
    client.close();
    await flaky.close();
    await down.close();
  }
});

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

/**
 * The first `GET /v2/` meets the same faults as any request and is treated the same way: a
 * reset is retried, and a failure after a redirect names the host that was dialled.
 */
import { deepEqual, rejects } from "node:assert/strict";
import { RegistryClient } from "../../src/registry/client.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { freePort } from "../helpers/tools.ts";
import { FAST_RETRY } from "./support.ts";

const anonymous = () =>
  new RegistryClient({ keychain: () => Promise.resolve({}), retry: FAST_RETRY });

Deno.test("a connection reset on the first GET /v2/ is retried", async () => {
  await using reg = await startRegistry();
  await using proxy = await startFaultProxy(reg.host, ({ n }) => n === 1 ? "drop" : "pass");
  const client = anonymous();
  try {
    deepEqual(await client.ping(proxy.host), { registry: proxy.host, scheme: "http" });
    deepEqual(proxy.requests.map((r) => `${r.outcome} ${r.method} ${r.path}`), [
      "drop GET /v2/",
      "pass GET /v2/",
    ]);
  } finally {
    client.close();
  }
});

Deno.test("a refused connection after a redirect names the host dialled", async () => {
  const refusing = `127.0.0.1:${freePort()}`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    return new Response(null, { status: 307, headers: { location: `http://${refusing}${path}` } });
  });
  const registry = `127.0.0.1:${server.addr.port}`;
  const client = anonymous();
  const transport = createTransport({ retry: FAST_RETRY });
  const expected = `cannot reach ${refusing} (redirected to by registry ${registry}): ` +
    "connection refused";
  try {
    await rejects(client.ping(registry), { name: "NetworkError", message: expected });
    const blob = new URL(`http://${registry}/v2/team/app/blobs/sha256:${"0".repeat(64)}`);
    await rejects(transport.send({ method: "GET", url: blob, registry }), {
      name: "NetworkError",
      message: expected,
      retryable: false,
    });
  } finally {
    client.close();
    transport.close();
    await server.shutdown();
  }
});

/**
 * Every registry request is bounded by an idle limit (here a fraction of a second instead of
 * the default 30 s): a registry that accepts a request and never answers, or answers and never
 * sends the body, fails in time with a line naming the host, the request and the limit, after
 * the same retries as a reset; a slow transfer that keeps moving is not cut off.
 */
import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, idleTimeoutFromEnv } from "../../src/registry/idle_timeout.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { startTamperProxy, type TamperAction } from "../helpers/tamper_proxy.ts";
import { blobOf, clientFor, FAST_RETRY, randomBytes, repoOf } from "./support.ts";
import { startSilentListener } from "../helpers/tools.ts";

const LIMIT_MS = 250;

/** A manifest the registry accepts (its config blob is pushed first). */
async function pushSmallImage(c: ReturnType<typeof clientFor>, host: string, tag: string) {
  const repo = repoOf(host, "team/app");
  const config = blobOf(new TextEncoder().encode("{}"));
  await c.uploadBlob(repo, config);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    layers: [],
  }));
  return await c.putManifest(repo, tag, manifest, MediaType.OciManifest);
}

Deno.test("a registry that stalls a manifest GET fails after the idle limit, retried like a reset", async (t) => {
  await using reg = await startRegistry();
  const setup = clientFor(reg);
  const digest = await pushSmallImage(setup, reg.host, "v1").finally(() => setup.close());
  const stalling = async (action: TamperAction, times: number) => {
    let stalled = 0;
    const proxy = await startTamperProxy(reg.host, ({ method, path }) => {
      if (method !== "GET" || !path.includes("/manifests/") || stalled >= times) return "pass";
      stalled++;
      return action;
    });
    return { proxy, client: clientFor(reg, { idleTimeoutMs: LIMIT_MS }) };
  };

  await t.step("no answer at all", async () => {
    const { proxy, client } = await stalling("stall", Infinity);
    try {
      await rejects(client.getManifest(repoOf(proxy.host, "team/app"), "v1"), {
        name: "IdleTimeoutError",
        message: `cannot reach registry ${proxy.host}: no answer to GET ` +
          `http://${proxy.host}/v2/team/app/manifests/v1: nothing received for 0.25 s ` +
          "(KO_REGISTRY_TIMEOUT) (gave up after 3 attempts)",
      });
      equal(proxy.requests.filter((r) => r.startsWith("stall ")).length, 3);
    } finally {
      client.close();
      await proxy.stop();
    }
  });

  await t.step("the status and headers, then no body", async () => {
    const { proxy, client } = await stalling("stall-body", Infinity);
    try {
      await rejects(client.getManifest(repoOf(proxy.host, "team/app"), "v1"), {
        name: "IdleTimeoutError",
        message: `cannot reach registry ${proxy.host}: the answer to GET ` +
          `http://${proxy.host}/v2/team/app/manifests/v1 stalled: nothing received for 0.25 s ` +
          "(KO_REGISTRY_TIMEOUT) (gave up after 3 attempts)",
      });
      equal(proxy.requests.filter((r) => r.startsWith("stall-body ")).length, 3);
    } finally {
      client.close();
      await proxy.stop();
    }
  });

  await t.step("one stall, then an answer: the retry gets the manifest", async () => {
    for (const action of ["stall", "stall-body"] as const) {
      const { proxy, client } = await stalling(action, 1);
      try {
        equal((await client.getManifest(repoOf(proxy.host, "team/app"), "v1")).digest, digest);
        deepEqual(
          proxy.requests.filter((r) => r.includes("/manifests/")).map((r) => r.split(" ")[0]),
          [action, "pass"],
        );
      } finally {
        client.close();
        await proxy.stop();
      }
    }
  });
});

/** 24 pieces of 1 KiB, one every 50 ms: 1.2 s in all, never 250 ms without progress. */
function trickle(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 24) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      sent++;
      controller.enqueue(new Uint8Array(1024).fill(sent));
    },
  }, { highWaterMark: 0 });
}

Deno.test("a transfer that keeps moving is not cut off, however long it takes", async () => {
  const received: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.method === "PUT") {
      received.push((await req.arrayBuffer()).byteLength);
      return new Response(null, { status: 201 });
    }
    return new Response(trickle());
  });
  const host = `127.0.0.1:${server.addr.port}`;
  const transport = createTransport({
    retry: { ...FAST_RETRY, attempts: 1 },
    idleTimeoutMs: LIMIT_MS,
  });
  try {
    const url = new URL(`http://${host}/v2/team/app/blobs/x`);
    const put = await transport.send({ method: "PUT", url, registry: host, body: trickle });
    equal(put.status, 201);
    deepEqual(received, [24 * 1024]);
    const get = await transport.send({ method: "GET", url, registry: host });
    equal((await get.arrayBuffer()).byteLength, 24 * 1024);
  } finally {
    transport.close();
    await server.shutdown();
  }
});

Deno.test("an upload the server stops reading fails after the idle limit", async () => {
  // Accepts, never reads: the body fills the socket buffers, then nothing moves.
  await using silent = startSilentListener();
  const host = silent.host;
  const transport = createTransport({ retry: { ...FAST_RETRY, attempts: 1 }, idleTimeoutMs: 300 });
  const bytes = randomBytes(64 << 20);
  try {
    await rejects(
      transport.send({
        method: "PUT",
        url: new URL(`http://${host}/v2/team/app/blobs/uploads/x?digest=${sha256Digest(bytes)}`),
        registry: host,
        body: () => new Blob([bytes]).stream(),
      }),
      {
        name: "IdleTimeoutError",
        message: new RegExp(`^cannot reach registry ${host}: no answer to PUT http://${host}/`),
      },
    );
  } finally {
    transport.close();
  }
});

Deno.test("Ctrl-C during a stall is an interruption, not a timeout", async () => {
  await using reg = await startRegistry();
  await using proxy = await startTamperProxy(
    reg.host,
    ({ path }) => path === "/v2/" ? "pass" : "stall",
  );
  const client = clientFor(reg, { idleTimeoutMs: 60_000 });
  const ctl = new AbortController();
  try {
    await client.ping(proxy.host);
    const pending = client.getManifest(repoOf(proxy.host, "team/app"), "v1", ctl.signal);
    ctl.abort(new DOMException("interrupted", "AbortError"));
    await rejects(pending, { name: "AbortError", message: "interrupted" });
  } finally {
    client.close();
  }
});

Deno.test("KO_REGISTRY_TIMEOUT takes seconds or a duration; anything else is refused", () => {
  equal(idleTimeoutFromEnv(undefined), DEFAULT_IDLE_TIMEOUT_MS);
  equal(idleTimeoutFromEnv(""), 30_000);
  equal(idleTimeoutFromEnv("45"), 45_000);
  equal(idleTimeoutFromEnv("2.5"), 2_500);
  equal(idleTimeoutFromEnv("500ms"), 500);
  equal(idleTimeoutFromEnv("10s"), 10_000);
  equal(idleTimeoutFromEnv("2m"), 120_000);
  for (const bad of ["0", "-1", "abc", "10 h", "1h"]) {
    throws(() => idleTimeoutFromEnv(bad), {
      name: "KoError",
      message: `KO_REGISTRY_TIMEOUT=${
        JSON.stringify(bad)
      }: expected a duration such as 30s, 500ms or 2m`,
    });
  }
});

Deno.test("a blob body cut short fails with a line naming the registry", async () => {
  await using reg = await startRegistry();
  const setup = clientFor(reg);
  const blob = blobOf(randomBytes(200_000));
  await setup.uploadBlob(repoOf(reg, "team/app"), blob).finally(() => setup.close());
  await using proxy = await startFaultProxy(
    reg.host,
    ({ method, path }) => method === "GET" && path.includes("/blobs/") ? "truncate" : "pass",
  );
  const client = clientFor(reg);
  try {
    const stream = await client.getBlob(repoOf(proxy.host, "team/app"), blob.digest);
    await rejects(new Response(stream).arrayBuffer(), {
      name: "NetworkError",
      message: `cannot reach registry ${proxy.host}: connection closed by the server`,
    });
  } finally {
    client.close();
  }
});

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

Deno.test("fault proxy passes, delays, injects statuses, drops, truncates and cuts registry traffic", async (t) => {
  await using reg = await startRegistry();
  const blob = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  const digest = sha256(blob);

  await t.step("passes GET/HEAD/POST/PUT with bodies and rewrites upload Locations", async () => {
    await using proxy = await startFaultProxy(reg.host, () => "pass");
    const base = `http://${proxy.host}`;
    const v2 = await fetch(`${base}/v2/`);
    await v2.body?.cancel();
    equal(v2.status, 200);
    const post = await fetch(`${base}/v2/proxied/blobs/uploads/`, { method: "POST" });
    await post.body?.cancel();
    equal(post.status, 202);
    const location = post.headers.get("location")!;
    ok(location.startsWith(`${base}/v2/proxied/blobs/uploads/`), location);
    const put = await fetch(`${location}&digest=${digest}`, { method: "PUT", body: blob });
    await put.body?.cancel();
    equal(put.status, 201);
    equal(put.headers.get("location"), `${base}/v2/proxied/blobs/${digest}`);
    const head = await fetch(`${base}/v2/proxied/blobs/${digest}`, { method: "HEAD" });
    equal(head.status, 200);
    equal(head.headers.get("content-length"), String(blob.length));
    const get = await fetch(`${base}/v2/proxied/blobs/${digest}`);
    equal(sha256(new Uint8Array(await get.arrayBuffer())), digest);
    deepEqual(proxy.requests.map((r) => `${r.method} ${r.outcome} ${r.status}`), [
      "GET pass 200",
      "POST pass 202",
      "PUT pass 201",
      "HEAD pass 200",
      "GET pass 200",
    ]);
  });

  await t.step("passes a streamed chunked PATCH body", async () => {
    const seen: string[] = [];
    await using proxy = await startFaultProxy(reg.host, ({ method, headers }) => {
      seen.push(`${method} ${headers["transfer-encoding"] ?? headers["content-length"]}`);
      return "pass";
    });
    const base = `http://${proxy.host}`;
    const post = await fetch(`${base}/v2/chunked/blobs/uploads/`, { method: "POST" });
    await post.body?.cancel();
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= blob.length) return controller.close();
        controller.enqueue(blob.slice(offset, offset + 70_000));
        offset += 70_000;
      },
    });
    const patch = await fetch(post.headers.get("location")!, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body,
    });
    await patch.body?.cancel();
    equal(patch.status, 202);
    equal(patch.headers.get("range"), `0-${blob.length - 1}`);
    const put = await fetch(`${patch.headers.get("location")}&digest=${digest}`, { method: "PUT" });
    await put.body?.cancel();
    equal(put.status, 201);
    deepEqual(seen, ["POST 0", "PATCH chunked", "PUT 0"]);
  });

  await t.step("answers with an injected 503 and Retry-After, then passes", async () => {
    await using proxy = await startFaultProxy(
      reg.host,
      ({ n }) => n === 1 ? { status: 503, retryAfter: "2", body: '{"errors":[]}' } : "pass",
    );
    const first = await fetch(`http://${proxy.host}/v2/`);
    equal(first.status, 503);
    equal(first.headers.get("retry-after"), "2");
    equal(await first.text(), '{"errors":[]}');
    const second = await fetch(`http://${proxy.host}/v2/`);
    await second.body?.cancel();
    equal(second.status, 200);
    deepEqual(proxy.requests.map((r) => r.outcome), ["503", "pass"]);
  });

  await t.step(
    "drop closes the connection without a response: the client gets a network error",
    async () => {
      await using proxy = await startFaultProxy(
        reg.host,
        ({ method }) => method === "PUT" ? "drop" : "pass",
      );
      await rejects(
        fetch(`http://${proxy.host}/v2/x/manifests/latest`, { method: "PUT", body: "{}" }),
        TypeError,
      );
      const ok200 = await fetch(`http://${proxy.host}/v2/`);
      await ok200.body?.cancel();
      equal(ok200.status, 200);
      deepEqual(proxy.requests.map((r) => [r.method, r.path, r.outcome]), [
        ["PUT", "/v2/x/manifests/latest", "drop"],
        ["GET", "/v2/", "pass"],
      ]);
    },
  );

  await t.step("truncate cuts the response body short of its Content-Length", async () => {
    await using proxy = await startFaultProxy(reg.host, () => "truncate");
    const res = await fetch(`http://${proxy.host}/v2/proxied/blobs/${digest}`);
    equal(res.status, 200);
    await rejects(res.arrayBuffer());
  });

  await t.step("delay passes the request after waiting", async () => {
    await using proxy = await startFaultProxy(reg.host, () => ({ delayMs: 300 }));
    const started = performance.now();
    const res = await fetch(`http://${proxy.host}/v2/proxied/blobs/${digest}`);
    equal(sha256(new Uint8Array(await res.arrayBuffer())), digest);
    ok(performance.now() - started >= 290, "answered before the delay");
    deepEqual(proxy.requests.map((r) => `${r.outcome} ${r.status}`), ["delay 200"]);
  });

  await t.step(
    "cut reads part of an upload body, closes, and the registry gets nothing",
    async () => {
      await using proxy = await startFaultProxy(
        reg.host,
        ({ method }) => method === "PUT" || method === "PATCH" ? "cut" : "pass",
      );
      const base = `http://${proxy.host}`;
      for (const chunked of [false, true]) {
        const post = await fetch(`${base}/v2/cut/blobs/uploads/`, { method: "POST" });
        await post.body?.cancel();
        const big = new Uint8Array(4 << 20).map((_, i) => (i * 13) % 251);
        const body = chunked ? new Blob([big]).stream() : big;
        await rejects(
          fetch(`${post.headers.get("location")}&digest=${sha256(big)}`, { method: "PUT", body }),
          TypeError,
        );
        const head = await fetch(`${base}/v2/cut/blobs/${sha256(big)}`, { method: "HEAD" });
        equal(head.status, 404);
      }
      deepEqual(proxy.requests.map((r) => `${r.method} ${r.outcome}`), [
        "POST pass",
        "PUT cut",
        "HEAD pass",
        "POST pass",
        "PUT cut",
        "HEAD pass",
      ]);
    },
  );

  await t.step("stop closes the listener", async () => {
    const proxy = await startFaultProxy(reg.host, () => "pass");
    await proxy.stop();
    const err = await fetch(`http://${proxy.host}/v2/`).then(() => undefined, (e: Error) => e);
    match(String(err), /error|refused/i);
  });
});

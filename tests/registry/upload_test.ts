/**
 * Blob uploads against the real registry: the whole blob in one PUT, cross-repository mounts,
 * retries through the fault proxy (503 + Retry-After, dropped connections, giving up), the
 * streamed PATCH when a registry refuses the one PUT, a likely-new blob's session opened
 * alongside its HEAD (and given back when the blob is there), and concurrent uploads of one
 * blob sharing the work.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { MediaType } from "../../src/oci/media_types.ts";
import { type FaultAction, startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { skopeoInspect, waitFor } from "../helpers/tools.ts";
import { blobOf, captureLogs, clientFor, randomBytes, repoOf } from "./support.ts";

const isPut = (r: { method: string }) => r.method === "PUT";
const sequence = (requests: { path: string; method: string; outcome: string }[]) =>
  requests.filter((r) => r.path !== "/v2/").map((r) => `${r.method} ${r.outcome}`);

for (const mode of ["plain", "bearer"] as const) {
  Deno.test(`uploadBlob mounts from another repository of the same ${mode} registry`, async () => {
    await using reg = await startRegistry({ mode });
    const client = clientFor(reg);
    const logs = captureLogs();
    try {
      const blob = blobOf(randomBytes(5000));
      equal(await client.uploadBlob(repoOf(reg, "base/img"), blob), "pushed");
      equal(
        await client.uploadBlob(repoOf(reg, "team/app"), blob, { mountFrom: "base/img" }),
        "mounted",
      );
      equal(blob.opens, 1);
      equal(logs.lines.some((l) => l.endsWith(`mounted blob: ${blob.digest}`)), true);
      deepEqual(await client.headBlob(repoOf(reg, "team/app"), blob.digest), { size: 5000 });
      if (mode === "bearer") {
        equal(
          reg.tokenRequests!.some((r) =>
            r.scopes.join(" ") === "repository:team/app:push,pull repository:base/img:pull"
          ),
          true,
        );
      }
      // A source without the blob: the registry starts an upload instead, and it is pushed.
      const other = blobOf(randomBytes(10));
      equal(
        await client.uploadBlob(repoOf(reg, "team/app"), other, { mountFrom: "base/img" }),
        "pushed",
      );
      // A source in another registry is ignored.
      const third = blobOf(randomBytes(10));
      equal(
        await client.uploadBlob(repoOf(reg, "team/app"), third, {
          mountFrom: { registry: "elsewhere.example", repository: "base/img" },
        }),
        "pushed",
      );
    } finally {
      logs.restore();
      client.close();
    }
  });
}

Deno.test("a 503 with Retry-After is waited out and retried", async () => {
  await using reg = await startRegistry();
  let refused = 0;
  await using proxy = await startFaultProxy(
    reg.host,
    (r) => isPut(r) && refused++ === 0 ? { status: 503, retryAfter: "1" } : "pass",
  );
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(3000));
    const started = Date.now();
    equal(await client.uploadBlob(repoOf(proxy.host, "team/app"), blob), "pushed");
    const waited = Date.now() - started;
    equal(waited >= 950, true, `waited only ${waited} ms`);
    // The whole blob goes with the PUT: no PATCH.
    deepEqual(sequence(proxy.requests), [
      "HEAD pass",
      "POST pass",
      "PUT 503",
      "HEAD pass",
      "POST pass",
      "PUT pass",
    ]);
    deepEqual(
      await client.getBlobBytes(repoOf(reg, "team/app"), blob.digest),
      await new Response(
        await blob.open(),
      ).bytes(),
    );
  } finally {
    client.close();
  }
});

Deno.test("a dropped connection mid-upload retries the whole upload with a fresh stream", async () => {
  await using reg = await startRegistry();
  let dropped = 0;
  await using proxy = await startFaultProxy(
    reg.host,
    (r) => isPut(r) && dropped++ === 0 ? "drop" : "pass",
  );
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(200_000));
    equal(await client.uploadBlob(repoOf(proxy.host, "team/app"), blob), "pushed");
    equal(blob.opens, 2);
    deepEqual(
      proxy.requests.filter(isPut).map((r) => r.outcome),
      ["drop", "pass"],
    );
    deepEqual(await client.headBlob(repoOf(reg, "team/app"), blob.digest), { size: 200_000 });
  } finally {
    client.close();
  }
});

Deno.test("a dropped manifest GET and a truncated body are retried", async () => {
  await using reg = await startRegistry();
  const client = clientFor(reg);
  const config = blobOf(new TextEncoder().encode("{}"));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: 2 },
    layers: [],
  }));
  await client.uploadBlob(repoOf(reg, "team/app"), config);
  await client.putManifest(repoOf(reg, "team/app"), "v1", manifest, MediaType.OciManifest);
  let gets = 0;
  await using proxy = await startFaultProxy(
    reg.host,
    (r) => {
      if (r.method !== "GET" || !r.path.includes("/manifests/")) return "pass";
      return (["drop", "truncate", "pass"] as const)[gets++] ?? "pass";
    },
  );
  try {
    const m = await client.getManifest(repoOf(proxy.host, "team/app"), "v1");
    deepEqual(m.bytes, manifest);
    deepEqual(
      proxy.requests.filter((r) => r.method === "GET" && r.path.includes("/manifests/")).map((r) =>
        r.outcome
      ),
      ["drop", "truncate", "pass"],
    );
  } finally {
    client.close();
  }
});

Deno.test("retries give up after the configured attempts with a clear error", async () => {
  await using reg = await startRegistry();
  await using proxy = await startFaultProxy(
    reg.host,
    (r) => r.method === "PUT" ? { status: 503, body: "upstream overloaded\n" } : "pass",
  );
  const client = clientFor(reg);
  try {
    const config = blobOf(randomBytes(10));
    const host = proxy.host;
    await rejects(client.uploadBlob(repoOf(host, "team/app"), config), {
      name: "RegistryError",
      message:
        `PUT ${host}/team/app blob ${config.digest}: 503 Service Unavailable: upstream overloaded (gave up after 3 attempts)`,
    });
    equal(proxy.requests.filter((r) => r.method === "PUT").length, 3);
    const bytes = new TextEncoder().encode("{}");
    await rejects(
      client.putManifest(repoOf(host, "team/app"), "v1", bytes, MediaType.OciManifest),
      {
        message:
          `PUT ${host}/team/app manifest v1: 503 Service Unavailable: upstream overloaded (gave up after 3 attempts)`,
      },
    );
    equal(proxy.requests.filter((r) => r.method === "PUT").length, 6);
  } finally {
    client.close();
  }
});

Deno.test("a registry refusing the blob in one PUT gets a streamed PATCH and an empty PUT", async () => {
  await using reg = await startRegistry();
  let puts = 0;
  await using proxy = await startFaultProxy(
    reg.host,
    (r) => isPut(r) && puts++ === 0 ? { status: 411, body: "length required\n" } : "pass",
  );
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(70_000));
    equal(await client.uploadBlob(repoOf(proxy.host, "team/app"), blob), "pushed");
    deepEqual(sequence(proxy.requests), [
      "HEAD pass",
      "POST pass",
      "PUT 411",
      "POST pass",
      "PATCH pass",
      "PUT pass",
    ]);
    equal(
      (await client.getBlobBytes(repoOf(reg, "team/app"), blob.digest)).length,
      70_000,
    );
  } finally {
    client.close();
  }
});

Deno.test("a large likely-new blob's session opens alongside its HEAD and is given back when the blob is there", async () => {
  await using reg = await startRegistry();
  // The HEAD waits until the POST arrived: they can only both pass when sent together.
  let posted!: () => void;
  const post = new Promise<void>((r) => posted = r);
  await using proxy = await startFaultProxy(reg.host, async (r): Promise<FaultAction> => {
    if (r.method === "POST") posted();
    if (r.method === "HEAD") await post;
    return "pass";
  });
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(1_200_000));
    const repo = repoOf(proxy.host, "team/app");
    equal(await client.uploadBlob(repo, blob, { likelyNew: true }), "pushed");
    deepEqual(sequence(proxy.requests).sort(), ["HEAD pass", "POST pass", "PUT pass"]);
    const before = proxy.requests.length;
    equal(await client.uploadBlob(repo, blob, { likelyNew: true }), "existing");
    await waitFor(
      "the unused session given back",
      () =>
        Promise.resolve(
          proxy.requests.slice(before).some((r) => r.method === "DELETE") ? true : undefined,
        ),
    );
    deepEqual(sequence(proxy.requests.slice(before)).sort(), [
      "DELETE pass",
      "HEAD pass",
      "POST pass",
    ]);
  } finally {
    client.close();
  }
});

Deno.test("a small likely-new blob is sent without a HEAD", async () => {
  await using reg = await startRegistry();
  await using proxy = await startFaultProxy(reg.host, () => "pass");
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(30_000));
    const repo = repoOf(proxy.host, "team/app");
    equal(await client.uploadBlob(repo, blob, { likelyNew: true }), "pushed");
    deepEqual(sequence(proxy.requests), ["POST pass", "PUT pass"]);
    deepEqual(await client.headBlob(repoOf(reg, "team/app"), blob.digest), { size: 30_000 });
  } finally {
    client.close();
  }
});

Deno.test("concurrent uploads of one blob share a single upload", async () => {
  await using reg = await startRegistry();
  await using proxy = await startFaultProxy(reg.host, () => "pass");
  const client = clientFor(reg);
  try {
    const blob = blobOf(randomBytes(50_000));
    const results = await Promise.all(
      Array.from({ length: 4 }, () => client.uploadBlob(repoOf(proxy.host, "team/app"), blob)),
    );
    deepEqual(results.sort(), ["existing", "existing", "existing", "pushed"]);
    equal(proxy.requests.filter(isPut).length, 1);
    equal(blob.opens, 1);
  } finally {
    client.close();
  }
});

Deno.test("many blobs pushed in parallel form an image skopeo can read", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  const client = clientFor(reg);
  try {
    const repo = repoOf(reg, "team/many");
    const layers = Array.from({ length: 6 }, (_, i) => blobOf(randomBytes(20_000 + i)));
    const config = blobOf(new TextEncoder().encode(JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    })));
    const results = await Promise.all([config, ...layers].map((b) => client.uploadBlob(repo, b)));
    deepEqual(new Set(results), new Set(["pushed"]));
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({
        mediaType: MediaType.OciLayerGzip,
        digest: l.digest,
        size: l.size,
      })),
    }));
    const digest = await client.putManifest(repo, "v1", manifest, MediaType.OciManifest);
    // One token for the whole push, however many requests ran at once.
    equal(reg.tokenRequests!.length, 1);
    const inspected = await skopeoInspect(`${reg.host}/team/many:v1`, {
      creds: `${reg.username}:${reg.password}`,
    });
    equal(inspected.Digest, digest);
    deepEqual(inspected.Layers, layers.map((l) => l.digest));
  } finally {
    client.close();
  }
});

/**
 * Registries on the ports Deno's `fetch` refuses (the Fetch standard's "bad ports": 10080,
 * 6000, 6665–6669…): the list the transport keeps matches Deno's, and a real docker-registry
 * on such a port, with its token server on another one, takes pushes and pulls, as do blob
 * redirects to such a port and registries there reached through HTTPS_PROXY and HTTP_PROXY.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { blockedPorts } from "../../src/registry/blocked_ports.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { startConnectProxy } from "../helpers/connect_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { testTlsCerts } from "../helpers/test_certs.ts";
import { requires } from "../helpers/requires.ts";
import { BLOCKED_PORT_CANDIDATES as CANDIDATES, freePortAmong } from "../helpers/tools.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { blobOf, clientFor, FAST_RETRY, randomBytes, readAll, repoOf } from "./support.ts";

Deno.test("the blocked-port list is exactly the ports Deno's fetch refuses", async () => {
  const client = Deno.createHttpClient({});
  try {
    const refused = async (port: number) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          client,
          signal: AbortSignal.timeout(2000),
        });
        await res.body?.cancel();
        return false;
      } catch (err) {
        return String(err).includes(`Requests to port ${port} are blocked`);
      }
    };
    const listed = blockedPorts();
    const wrong: number[] = [];
    for (const port of listed) if (!(await refused(port))) wrong.push(port);
    // Every neighbour of a listed port that is not listed itself is allowed.
    for (const port of new Set(listed.flatMap((p) => [p - 1, p + 1]))) {
      if (port > 0 && !listed.includes(port) && await refused(port)) wrong.push(port);
    }
    deepEqual(wrong, []);
  } finally {
    client.close();
  }
});

const port = freePortAmong(CANDIDATES);
const tokenPort = freePortAmong(CANDIDATES.filter((p) => p !== port));

Deno.test({
  ...requires(
    `push, pull and token auth with a registry on blocked port ${port ?? "(none free)"}`,
    port === undefined || tokenPort === undefined ? "no blocked port is free" : undefined,
  ),
  async fn() {
    await using reg = await startRegistry({ mode: "bearer", port, tokenPort });
    ok(reg.tokenRealm?.includes(`:${tokenPort}/`), reg.tokenRealm);
    const client = clientFor(reg);
    try {
      const repo = repoOf(reg, "blocked/app");
      const blob = blobOf(randomBytes(200_000));
      equal(await client.uploadBlob(repo, blob), "pushed");
      const manifest = new TextEncoder().encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: blob.digest, size: blob.size },
        layers: [],
      }));
      const digest = await client.putManifest(repo, "v1", manifest, MediaType.OciManifest);
      equal((await client.getManifest(repo, "v1")).digest, digest);
      equal((await readAll(await client.getBlob(repo, blob.digest))).length, blob.size);
      ok(reg.tokenRequests!.some((r) => r.account === reg.username && r.status === 200));
    } finally {
      client.close();
    }
  },
});

const storagePort = freePortAmong(CANDIDATES);

Deno.test({
  ...requires(
    `a blob redirect to blocked port ${storagePort ?? "(none free)"} is followed`,
    storagePort === undefined ? "no blocked port is free" : undefined,
  ),
  async fn() {
    const bytes = new TextEncoder().encode("layer bytes from storage on a blocked port");
    const blob = blobOf(bytes);
    const storage = Deno.serve(
      { hostname: "127.0.0.1", port: storagePort, onListen: () => {} },
      () => new Response(bytes),
    );
    const registry = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/v2/") return new Response("{}");
      return new Response(null, {
        status: 307,
        headers: { location: `http://127.0.0.1:${storagePort}/bucket/${blob.digest}` },
      });
    });
    const host = `127.0.0.1:${registry.addr.port}`;
    const client = new RegistryClient({ keychain: () => Promise.resolve({}), retry: FAST_RETRY });
    try {
      deepEqual(await client.getBlobBytes(repoOf(host, "team/app"), blob.digest), bytes);
    } finally {
      client.close();
      await registry.shutdown();
      await storage.shutdown();
    }
  },
});

const tlsPort = freePortAmong(CANDIDATES);
const plainPort = freePortAmong(CANDIDATES.filter((p) => p !== tlsPort));

Deno.test({
  ...requires(
    `registries on blocked ports ${tlsPort}/${plainPort} through HTTPS_PROXY and HTTP_PROXY`,
    tlsPort === undefined || plainPort === undefined ? "no two blocked ports are free" : undefined,
  ),
  async fn() {
    const certs = await testTlsCerts();
    await using _secure = await startRegistry({ mode: "tls", port: tlsPort });
    await using _plain = await startRegistry({ mode: "plain", port: plainPort });
    // Public names: only the proxy knows they are these loopback registries.
    await using proxy = await startConnectProxy((host, port) =>
      host === "registry.example" && (port === tlsPort || port === plainPort) ? port : undefined
    );
    const https = `registry.example:${tlsPort}`;
    const http = `registry.example:${plainPort}`;
    const vars: Record<string, string> = {
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      SSL_CERT_FILE: certs.ca.certPath,
    };
    const client = new RegistryClient({
      env: (name) => vars[name],
      keychain: () => Promise.resolve({}),
      retry: FAST_RETRY,
      certsDirRoots: [],
      insecureRegistries: [http],
    });
    try {
      equal((await client.ping(https)).scheme, "https");
      equal(
        await client.uploadBlob(repoOf(https, "proxied/app"), blobOf(randomBytes(90_000))),
        "pushed",
      );
      equal((await client.ping(http)).scheme, "http");
      equal(
        await client.uploadBlob(repoOf(http, "proxied/app"), blobOf(randomBytes(90_000))),
        "pushed",
      );
      ok(proxy.targets.includes(https), proxy.targets.join(", "));
      ok(proxy.targets.includes(http), proxy.targets.join(", "));
    } finally {
      client.close();
    }
  },
});

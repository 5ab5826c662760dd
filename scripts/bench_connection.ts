/**
 * The two routes of the registry connection layer (src/registry/connection.ts) compared on
 * blob uploads and downloads: `fetch` (a registry on an ordinary port) against Node's HTTP
 * client (the same kind of registry on a port `fetch` refuses). Real docker-registry
 * processes with filesystem storage, HTTPS with the test CA, through the whole registry client;
 * medians of N runs per route, in MB/s.
 *
 *   .tools/bin/deno run -A scripts/bench_connection.ts [runs=5] [megabytes=64]
 */
import { RegistryClient } from "../src/registry/client.ts";
import { type Digest, sha256Digest } from "../src/oci/digest.ts";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { testTlsCerts } from "../tests/helpers/test_certs.ts";
import { BLOCKED_PORT_CANDIDATES, freePortAmong } from "../tests/helpers/tools.ts";
import { median } from "./lib/stats.ts";

const runs = Number(Deno.args[0] ?? 5);
const megabytes = Number(Deno.args[1] ?? 64);
const blocked = freePortAmong(BLOCKED_PORT_CANDIDATES);
if (blocked === undefined) throw new Error("no blocked port is free");

const certs = await testTlsCerts();
await using viaFetch = await startRegistry({ mode: "tls", storage: "filesystem" });
await using viaNode = await startRegistry({ mode: "tls", storage: "filesystem", port: blocked });
const client = new RegistryClient({
  env: (name) => ({ SSL_CERT_FILE: certs.ca.certPath } as Record<string, string>)[name],
  keychain: () => Promise.resolve({}),
  certsDirRoots: [],
});

/** A fresh blob of the benchmark's size (new bytes each time, so nothing is skipped). */
function freshBlob(): { bytes: Uint8Array<ArrayBuffer>; digest: Digest } {
  const bytes = new Uint8Array(megabytes * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  return { bytes, digest: sha256Digest(bytes) };
}

const rates: Record<string, { up: number[]; down: number[] }> = {};
try {
  for (let i = 0; i < runs; i++) {
    for (const [route, host] of [["fetch", viaFetch.host], ["node", viaNode.host]] as const) {
      const repo = { registry: host, repository: "bench/blob" };
      const blob = freshBlob();
      const t0 = performance.now();
      await client.uploadBlob(repo, {
        digest: blob.digest,
        size: blob.bytes.length,
        open: () => Promise.resolve(new Blob([blob.bytes]).stream()),
      });
      const t1 = performance.now();
      let n = 0;
      for await (const chunk of await client.getBlob(repo, blob.digest)) n += chunk.length;
      const t2 = performance.now();
      if (n !== blob.bytes.length) throw new Error(`${route}: read ${n} bytes`);
      rates[route] ??= { up: [], down: [] };
      rates[route].up.push(megabytes / ((t1 - t0) / 1000));
      rates[route].down.push(megabytes / ((t2 - t1) / 1000));
    }
  }
} finally {
  client.close();
}
for (const [route, r] of Object.entries(rates)) {
  console.log(
    `${route.padEnd(6)} upload ${median(r.up).toFixed(0)} MB/s, download ${
      median(r.down).toFixed(0)
    } MB/s (${megabytes} MB, median of ${runs})`,
  );
}

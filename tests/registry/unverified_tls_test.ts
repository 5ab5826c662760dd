/**
 * `--insecure-registry` skips TLS verification (ko's InsecureSkipVerify), over Node's HTTP
 * client: a TLS registry whose CA is not trusted is usable, others still are not, and a
 * connection that cannot be made reports the real reason.
 */
import { equal, rejects } from "node:assert/strict";
import { MediaType } from "../../src/oci/media_types.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { freePort } from "../helpers/tools.ts";
import { blobOf, FAST_RETRY, randomBytes, readAll, repoOf } from "./support.ts";

Deno.test("--insecure-registry pushes to and pulls from a TLS registry with an unknown CA", async () => {
  await using reg = await startRegistry({ mode: "tls" });
  const insecure = new RegistryClient({
    keychain: () => Promise.resolve({}),
    trustSystemStore: false,
    retry: FAST_RETRY,
    insecureRegistries: [reg.host],
  });
  const strict = new RegistryClient({
    keychain: () => Promise.resolve({}),
    trustSystemStore: false,
    retry: FAST_RETRY,
  });
  try {
    equal((await insecure.ping(reg.host)).scheme, "https");
    const repo = repoOf(reg, "insecure/app");
    const blob = blobOf(randomBytes(300_000));
    equal(await insecure.uploadBlob(repo, blob), "pushed");
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: blob.digest, size: blob.size },
      layers: [],
    }));
    const digest = await insecure.putManifest(repo, "v1", manifest, MediaType.OciManifest);
    equal((await insecure.getManifest(repo, "v1")).digest, digest);
    equal((await readAll(await insecure.getBlob(repo, blob.digest))).length, blob.size);
    await rejects(strict.ping(reg.host), /TLS handshake failed: invalid peer certificate/);
  } finally {
    insecure.close();
    strict.close();
  }
});

Deno.test("an unverified TLS connection that cannot connect says why, without retrying", async () => {
  const host = `127.0.0.1:${freePort()}`;
  const client = new RegistryClient({
    keychain: () => Promise.resolve({}),
    retry: { ...FAST_RETRY, baseDelayMs: 2000 },
    insecureRegistries: [host],
  });
  try {
    const start = Date.now();
    await rejects(client.getManifest(repoOf(host, "app"), "latest"), {
      name: "NetworkError",
      message: `cannot reach registry ${host}: connection refused`,
    });
    equal(Date.now() - start < 1500, true, "refused before the registry answered is not retried");
  } finally {
    client.close();
  }
});

Deno.test("an unverified TLS connection to a plain HTTP server is a TLS failure, said once", async () => {
  await using reg = await startRegistry({ mode: "plain" });
  const host = `0.0.0.0:${reg.host.split(":")[1]}`;
  const transport = createTransport({ retry: FAST_RETRY, unverifiedTls: [host] });
  try {
    await rejects(
      transport.send({ method: "GET", url: new URL(`https://${host}/v2/`), registry: host }),
      (err: Error & { tls?: boolean; retryable?: boolean }) => {
        equal(err.name, "NetworkError");
        equal(err.tls, true);
        equal(err.retryable, false);
        equal(
          err.message.startsWith(`cannot reach registry ${host}: TLS handshake failed: `),
          true,
        );
        equal(err.message.split("TLS handshake failed").length, 2, err.message);
        return true;
      },
    );
  } finally {
    transport.close();
  }
});

/**
 * The registry client against the real Debian `docker-registry`, in each of its modes: plain
 * HTTP, Basic (htpasswd), Bearer (real JWTs from the test token server) and TLS (test CA).
 * Every operation runs, and what was pushed is checked with skopeo.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { type RegistryMode, startRegistry } from "../helpers/registry_server.ts";
import { skopeoInspect } from "../helpers/tools.ts";
import { blobOf, captureLogs, clientFor, randomBytes, readAll, repoOf } from "./support.ts";

function imageFor(layer: Uint8Array) {
  const layerBlob = blobOf(layer);
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [layerBlob.digest] },
    config: {},
  }));
  const configBlob = blobOf(config);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configBlob.digest, size: config.length },
    layers: [{ mediaType: MediaType.OciLayerGzip, digest: layerBlob.digest, size: layer.length }],
  }));
  return { layer, layerBlob, config, configBlob, manifest, digest: sha256Digest(manifest) };
}

for (const mode of ["plain", "basic", "bearer", "tls"] as RegistryMode[]) {
  Deno.test(`RegistryClient pushes and pulls an image on a ${mode} registry`, async (t) => {
    await using reg = await startRegistry({ mode });
    const client = clientFor(reg);
    const logs = captureLogs();
    try {
      const repo = repoOf(reg, "team/app");
      const img = imageFor(randomBytes(100_000));

      await t.step("ping finds the scheme and the challenge", async () => {
        const p = await client.ping(reg.host);
        equal(p.scheme, mode === "tls" ? "https" : "http");
        equal(
          p.challenge?.scheme,
          { plain: undefined, tls: undefined, basic: "basic", bearer: "bearer" }[mode],
        );
      });

      await t.step("uploadBlob pushes new blobs and finds existing ones", async () => {
        equal(await client.uploadBlob(repo, img.layerBlob), "pushed");
        equal(await client.uploadBlob(repo, img.configBlob), "pushed");
        equal(await client.uploadBlob(repo, img.layerBlob), "existing");
        equal(img.layerBlob.opens, 1);
        const lines = logs.lines.join("\n");
        equal(lines.includes(`pushed blob: ${img.layerBlob.digest}`), true);
        equal(lines.includes(`existing blob: ${img.layerBlob.digest}`), true);
      });

      await t.step("headBlob, getBlob and getBlobBytes read blobs back", async () => {
        deepEqual(await client.headBlob(repo, img.layerBlob.digest), { size: img.layer.length });
        equal(await client.headBlob(repo, sha256Digest("absent")), undefined);
        deepEqual(await client.getBlobBytes(repo, img.configBlob.digest), img.config);
        deepEqual(await readAll(await client.getBlob(repo, img.layerBlob.digest)), img.layer);
      });

      await t.step("putManifest stores exact bytes under a tag and a digest", async () => {
        equal(
          await client.putManifest(repo, "v1", img.manifest, MediaType.OciManifest),
          img.digest,
        );
        equal(
          await client.putManifest(repo, img.digest, img.manifest, MediaType.OciManifest),
          img.digest,
        );
      });

      await t.step("headManifest and getManifest read it back by tag and by digest", async () => {
        deepEqual(await client.headManifest(repo, "v1"), {
          mediaType: MediaType.OciManifest,
          size: img.manifest.length,
          digest: img.digest,
        });
        equal(await client.headManifest(repo, "missing"), undefined);
        for (const ref of ["v1", img.digest]) {
          const m = await client.getManifest(repo, ref);
          deepEqual(m, {
            bytes: img.manifest,
            mediaType: MediaType.OciManifest,
            digest: img.digest,
          });
        }
        await rejects(client.getManifest(repo, "missing"), {
          name: "RegistryError",
          message:
            `GET ${reg.host}/team/app manifest missing: MANIFEST_UNKNOWN: manifest unknown (missing)`,
        });
      });

      await t.step("listTags and getReferrers", async () => {
        deepEqual(await client.listTags(repo), ["v1"]);
        // distribution 2.8 has no referrers API: callers fall back to the tag schema.
        equal(await client.getReferrers(repo, img.digest), undefined);
      });

      await t.step("skopeo sees what was pushed", async () => {
        const raw = await skopeoInspect(`${reg.host}/team/app:v1`, {
          raw: true,
          ...(reg.username ? { creds: `${reg.username}:${reg.password}` } : {}),
          ...(reg.caCertDir ? { certDir: reg.caCertDir } : {}),
        });
        deepEqual(raw, JSON.parse(new TextDecoder().decode(img.manifest)));
      });
    } finally {
      logs.restore();
      client.close();
    }
  });
}

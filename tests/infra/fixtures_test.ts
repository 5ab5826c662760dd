import { deepEqual, equal, match, ok } from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { FIXTURE_ENV, FIXTURE_USER } from "../helpers/fixture_images.ts";
import { fixtureManifests, pushFixtureBases, writeOciLayoutFixture } from "../helpers/fixtures.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { run, skopeoInspect, tempDir } from "../helpers/tools.ts";

type Json = Record<string, unknown>;
type Entry = {
  mediaType: string;
  digest: string;
  platform: Json;
  annotations?: Record<string, string>;
};

Deno.test("fixture bases push to a registry and read back with skopeo", async (t) => {
  await using reg = await startRegistry();
  const bases = await pushFixtureBases(reg);

  await t.step("references are host/fixtures/<name>:latest", () => {
    equal(bases.ociImage.ref, `${reg.host}/fixtures/oci-image:latest`);
    equal(
      bases.dockerList.refByDigest,
      `${reg.host}/fixtures/docker-list@${bases.dockerList.digest}`,
    );
  });

  await t.step("oci-image is an OCI linux/amd64 image with the nonroot base config", async () => {
    const raw = await skopeoInspect(bases.ociImage.ref, { raw: true });
    equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");
    equal((raw.config as Json).mediaType, "application/vnd.oci.image.config.v1+json");
    deepEqual((raw.layers as Json[]).map((l) => l.mediaType), [
      "application/vnd.oci.image.layer.v1.tar+gzip",
    ]);
    const cfg = await skopeoInspect(bases.ociImage.ref, { config: true });
    equal(cfg.architecture, "amd64");
    equal(cfg.os, "linux");
    equal(cfg.created, "2024-01-01T00:00:00Z");
    const c = cfg.config as Json;
    deepEqual(c.Env, FIXTURE_ENV);
    equal(c.User, FIXTURE_USER);
    equal(c.WorkingDir, "/");
    equal((c.Labels as Json)["dev.ko-ts.fixture"], "oci-image");
    equal((cfg.history as unknown[]).length, 1);
    const inspected = await skopeoInspect(bases.ociImage.ref);
    equal(inspected.Digest, bases.ociImage.digest);
    deepEqual(inspected.Layers, bases.ociImage.layerDigests);
  });

  await t.step("docker-image uses Docker schema 2 media types", async () => {
    const raw = await skopeoInspect(bases.dockerImage.ref, { raw: true });
    equal(raw.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    equal((raw.config as Json).mediaType, "application/vnd.docker.container.image.v1+json");
    equal(
      (raw.layers as Json[])[0]!.mediaType,
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
    );
    equal(bases.dockerImage.mediaType, raw.mediaType);
  });

  await t.step("oci-index lists amd64, arm64, arm/v7 and a buildx-style attestation", async () => {
    const raw = await skopeoInspect(bases.ociIndex.ref, { raw: true });
    equal(raw.mediaType, "application/vnd.oci.image.index.v1+json");
    const entries = raw.manifests as Entry[];
    deepEqual(entries.map((e) => e.platform), [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      { os: "linux", architecture: "arm", variant: "v7" },
      { os: "unknown", architecture: "unknown" },
    ]);
    deepEqual(entries[3]!.annotations, {
      "vnd.docker.reference.digest": entries[0]!.digest,
      "vnd.docker.reference.type": "attestation-manifest",
    });
    deepEqual(bases.ociIndex.manifests.map((m) => m.platform), [
      "linux/amd64",
      "linux/arm64",
      "linux/arm/v7",
      "unknown/unknown",
    ]);
    const armv7 = await skopeoInspect(`${reg.host}/fixtures/oci-index@${entries[2]!.digest}`, {
      config: true,
    });
    equal(armv7.architecture, "arm");
    equal(armv7.variant, "v7");
    const att = await skopeoInspect(`${reg.host}/fixtures/oci-index@${entries[3]!.digest}`, {
      raw: true,
    });
    equal((att.layers as Json[])[0]!.mediaType, "application/vnd.in-toto+json");
  });

  await t.step("docker-list is a Docker manifest list of amd64 and arm64", async () => {
    const raw = await skopeoInspect(bases.dockerList.ref, { raw: true });
    equal(raw.mediaType, "application/vnd.docker.distribution.manifest.list.v2+json");
    const entries = raw.manifests as Entry[];
    deepEqual(entries.map((e) => `${e.platform.os}/${e.platform.architecture}`), [
      "linux/amd64",
      "linux/arm64",
    ]);
    ok(
      entries.every((e) => e.mediaType === "application/vnd.docker.distribution.manifest.v2+json"),
    );
  });

  await t.step("arm64-image is a single linux/arm64 image", async () => {
    const cfg = await skopeoInspect(bases.arm64Image.ref, { config: true });
    equal(cfg.architecture, "arm64");
    equal(bases.arm64Image.platform, "linux/arm64");
  });

  await t.step("pushing again, elsewhere, gives the same digests", async () => {
    const again = await pushFixtureBases(reg, "again");
    for (const key of Object.keys(bases) as Array<keyof typeof bases>) {
      equal(again[key].digest, bases[key].digest, key);
    }
  });
});

Deno.test("fixture layers are gzip tars GNU tar reads, with passwd naming nonroot", async () => {
  await using dir = await tempDir();
  const { ociIndex } = fixtureManifests();
  if (ociIndex.kind !== "index") throw new Error("oci-index should be an index");
  const arm64 = ociIndex.entries[1]!.image;
  const layer = arm64.blobs[1]!;
  await Deno.writeFile(`${dir.path}/layer.tar.gz`, layer.bytes);
  const list = await run("tar", ["-tvzf", `${dir.path}/layer.tar.gz`]);
  equal(list.code, 0, list.stderr);
  match(list.stdout, /etc\/passwd/);
  match(list.stdout, /drwxrwxrwt .* tmp\//);
  const tar = new TextDecoder().decode(gunzipSync(layer.bytes));
  match(tar, /nonroot:x:65532:65532:/);
  match(tar, /PLATFORM=linux\/arm64/);
});

Deno.test("writeOciLayoutFixture writes a layout skopeo reads by ref name", async () => {
  await using dir = await tempDir();
  const written = await writeOciLayoutFixture(dir.path);
  const raw = await skopeoInspect(`oci:${dir.path}:oci-index`, { raw: true });
  equal(raw.mediaType, "application/vnd.oci.image.index.v1+json");
  const img = await skopeoInspect(`oci:${dir.path}:oci-image`);
  equal(img.Digest, written.ociImage.digest);
});

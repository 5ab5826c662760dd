/**
 * Fixture base images pushed to a test registry with plain `fetch` (POST + monolithic PUT per
 * blob, then manifests): an independent check that does not go through src/registry.
 *
 * @example
 * ```ts
 * await using reg = await startRegistry();
 * const bases = await pushFixtureBases(reg);
 * // bases.ociIndex.ref === "127.0.0.1:PORT/fixtures/oci-index:latest"
 * ```
 */

import {
  allBlobs,
  buildAttestation,
  buildImage,
  buildIndex,
  type Built,
  type BuiltImage,
  type BuiltIndex,
  platformKey,
} from "./fixture_images.ts";
import { registryFetch } from "./registry_http.ts";
import type { RegistryServer } from "./registry_server.ts";

/** Where a pushed manifest lives. */
export interface FixtureRef {
  /** `host/repo:tag`. */
  ref: string;
  /** `host/repo@sha256:…`. */
  refByDigest: string;
  repo: string;
  tag: string;
  digest: string;
  mediaType: string;
}

/** A pushed single-platform image. */
export interface FixtureImageRef extends FixtureRef {
  /** `os/arch[/variant]`. */
  platform: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

/** A pushed index: its entries in order (the attestation's platform is `unknown/unknown`). */
export interface FixtureIndexRef extends FixtureRef {
  manifests: Array<{ platform: string; digest: string; mediaType: string }>;
}

/** The fixture bases, all tagged `latest` under `<repoPrefix>/<name>`. */
export interface FixtureBases {
  /** `oci-image`: OCI, linux/amd64. */
  ociImage: FixtureImageRef;
  /** `docker-image`: Docker schema 2, linux/amd64. */
  dockerImage: FixtureImageRef;
  /** `oci-index`: linux/amd64, linux/arm64, linux/arm/v7 and a buildx-style attestation. */
  ociIndex: FixtureIndexRef;
  /** `docker-list`: Docker manifest list of linux/amd64 and linux/arm64. */
  dockerList: FixtureIndexRef;
  /** `arm64-image`: OCI, linux/arm64 only. */
  arm64Image: FixtureImageRef;
}

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };
const ARMV7 = { os: "linux", architecture: "arm", variant: "v7" };

let built: Record<keyof FixtureBases, Built> | undefined;

/** The fixture manifests in memory (deterministic; built once per process). */
export function fixtureManifests(): Record<keyof FixtureBases, Built> {
  if (built) return built;
  const ociAmd64 = buildImage({ family: "oci", platform: AMD64, label: "oci-index" });
  built = {
    ociImage: buildImage({ family: "oci", platform: AMD64, label: "oci-image" }),
    dockerImage: buildImage({ family: "docker", platform: AMD64, label: "docker-image" }),
    ociIndex: buildIndex("oci", [
      ociAmd64,
      buildImage({ family: "oci", platform: ARM64, label: "oci-index" }),
      buildImage({ family: "oci", platform: ARMV7, label: "oci-index" }),
      buildAttestation(ociAmd64),
    ]),
    dockerList: buildIndex("docker", [
      buildImage({ family: "docker", platform: AMD64, label: "docker-list" }),
      buildImage({ family: "docker", platform: ARM64, label: "docker-list" }),
    ]),
    arm64Image: buildImage({ family: "oci", platform: ARM64, label: "arm64-image" }),
  };
  return built;
}

const NAMES: Record<keyof FixtureBases, string> = {
  ociImage: "oci-image",
  dockerImage: "docker-image",
  ociIndex: "oci-index",
  dockerList: "docker-list",
  arm64Image: "arm64-image",
};

/** Pushes every fixture base to `server` under `<repoPrefix>/<name>:latest`. */
export async function pushFixtureBases(
  server: RegistryServer,
  repoPrefix = "fixtures",
): Promise<FixtureBases> {
  const manifests = fixtureManifests();
  const out: Partial<Record<keyof FixtureBases, FixtureRef>> = {};
  for (const key of Object.keys(NAMES) as Array<keyof FixtureBases>) {
    out[key] = await pushBuilt(server, `${repoPrefix}/${NAMES[key]}`, "latest", manifests[key]);
  }
  return out as FixtureBases;
}

/** Pushes a built image or index (blobs, children by digest, then the manifest by tag). */
export async function pushBuilt(
  server: RegistryServer,
  repo: string,
  tag: string,
  m: BuiltImage,
): Promise<FixtureImageRef>;
export async function pushBuilt(
  server: RegistryServer,
  repo: string,
  tag: string,
  m: BuiltIndex,
): Promise<FixtureIndexRef>;
export async function pushBuilt(
  server: RegistryServer,
  repo: string,
  tag: string,
  m: Built,
): Promise<FixtureImageRef | FixtureIndexRef>;
export async function pushBuilt(
  server: RegistryServer,
  repo: string,
  tag: string,
  m: Built,
): Promise<FixtureImageRef | FixtureIndexRef> {
  for (const blob of allBlobs(m)) await pushBlob(server, repo, blob.digest, blob.bytes);
  if (m.kind === "index") {
    for (const e of m.entries) await pushManifest(server, repo, e.image.digest, e.image);
  }
  await pushManifest(server, repo, tag, m);
  const base: FixtureRef = {
    ref: `${server.host}/${repo}:${tag}`,
    refByDigest: `${server.host}/${repo}@${m.digest}`,
    repo,
    tag,
    digest: m.digest,
    mediaType: m.mediaType,
  };
  if (m.kind === "index") {
    return {
      ...base,
      manifests: m.entries.map((e) => ({
        platform: platformKey(e.platform),
        digest: e.image.digest,
        mediaType: e.image.mediaType,
      })),
    };
  }
  return {
    ...base,
    platform: platformKey(m.platform),
    configDigest: m.configDigest,
    layerDigests: m.layerDigests,
    diffIds: m.diffIds,
  };
}

/** Uploads one blob unless the repository has it: POST, then a monolithic PUT to the Location. */
export async function pushBlob(
  server: RegistryServer,
  repo: string,
  digest: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const head = await registryFetch(server, `/v2/${repo}/blobs/${digest}`, { method: "HEAD" });
  await head.body?.cancel();
  if (head.status === 200) return;
  const post = await registryFetch(server, `/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await post.body?.cancel();
  const location = post.headers.get("location");
  if (post.status !== 202 || !location) {
    throw new Error(`starting upload to ${repo} failed with ${post.status}`);
  }
  const url = new URL(location, server.url);
  url.searchParams.set("digest", digest);
  const put = await registryFetch(server, url.href, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  }, { scope: `repository:${repo}:pull,push` });
  const text = await put.text();
  if (put.status !== 201) {
    throw new Error(`uploading ${digest} to ${repo} failed with ${put.status}: ${text}`);
  }
}

/** PUTs a manifest under a tag or digest. */
export async function pushManifest(
  server: RegistryServer,
  repo: string,
  reference: string,
  m: { mediaType: string; bytes: Uint8Array<ArrayBuffer> },
): Promise<void> {
  const res = await registryFetch(server, `/v2/${repo}/manifests/${reference}`, {
    method: "PUT",
    headers: { "content-type": m.mediaType },
    body: m.bytes,
  });
  const text = await res.text();
  if (res.status !== 201) {
    throw new Error(`putting manifest ${repo}:${reference} failed with ${res.status}: ${text}`);
  }
}

/**
 * Writes the `oci-image` and `oci-index` fixtures into an OCI image layout at `dir` (created
 * if needed), named by `org.opencontainers.image.ref.name` `oci-image` and `oci-index`.
 */
export async function writeOciLayoutFixture(
  dir: string,
): Promise<{ ociImage: { digest: string }; ociIndex: { digest: string } }> {
  const { ociImage, ociIndex } = fixtureManifests();
  await Deno.mkdir(`${dir}/blobs/sha256`, { recursive: true });
  const write = (digest: string, bytes: Uint8Array) =>
    Deno.writeFile(`${dir}/blobs/sha256/${digest.slice("sha256:".length)}`, bytes);
  for (const m of [ociImage, ociIndex]) {
    for (const b of allBlobs(m)) await write(b.digest, b.bytes);
    if (m.kind === "index") {
      for (const e of m.entries) await write(e.image.digest, e.image.bytes);
    }
    await write(m.digest, m.bytes);
  }
  await Deno.writeTextFile(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const entry = (m: Built, name: string) => ({
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.bytes.length,
    annotations: { "org.opencontainers.image.ref.name": name },
  });
  await Deno.writeTextFile(
    `${dir}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [entry(ociImage, "oci-image"), entry(ociIndex, "oci-index")],
    }),
  );
  return { ociImage: { digest: ociImage.digest }, ociIndex: { digest: ociIndex.digest } };
}

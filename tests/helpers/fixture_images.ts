/**
 * Synthetic, deterministic images built in memory: real gzip tar layers (a tiny root
 * filesystem with /etc/passwd and a `nonroot` user), configs, OCI and Docker manifests, and
 * indexes. The same call always gives the same bytes and digests.
 */

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tarArchive, type TarEntry } from "./tar.ts";

/** A content-addressed blob. */
export interface Blob {
  digest: string;
  mediaType: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** An image platform. */
export interface FixturePlatform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows build, e.g. `10.0.20348.2227`; written to the config and the index entry. */
  "os.version"?: string;
}

/** A single-image manifest with its blobs (config first, then layers). */
export interface BuiltImage {
  kind: "image";
  mediaType: string;
  digest: string;
  bytes: Uint8Array<ArrayBuffer>;
  blobs: Blob[];
  platform: FixturePlatform;
  config: Record<string, unknown>;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

/** One entry of an index. */
export interface IndexEntry {
  image: BuiltImage;
  platform: FixturePlatform;
  annotations?: Record<string, string>;
}

/** An index (OCI image index or Docker manifest list) with its children. */
export interface BuiltIndex {
  kind: "index";
  mediaType: string;
  digest: string;
  bytes: Uint8Array<ArrayBuffer>;
  entries: IndexEntry[];
}

/** Either kind of built manifest. */
export type Built = BuiltImage | BuiltIndex;

/** The fixed `created` time of every fixture config. */
export const FIXTURE_CREATED = "2024-01-01T00:00:00Z";
/** The `Env` of every fixture base config. */
export const FIXTURE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
/** The `User` of every fixture base config (distroless's nonroot). */
export const FIXTURE_USER = "65532";

const OCI = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};
const DOCKER = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  index: "application/vnd.docker.distribution.manifest.list.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

/** The manifest family of a fixture. */
export type Family = "oci" | "docker";

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `os/arch[/variant]`. */
export function platformKey(p: FixturePlatform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The base layer's files: /etc/fixture-release naming the platform, passwd/group with nonroot, /tmp, /home/nonroot. */
export function baseLayerEntries(platform: FixturePlatform): TarEntry[] {
  return [
    { path: "etc", type: "dir" },
    {
      path: "etc/fixture-release",
      type: "file",
      content: `NAME=ko-ts fixture base\nPLATFORM=${platformKey(platform)}\n`,
    },
    { path: "etc/group", type: "file", content: "root:x:0:\nnonroot:x:65532:\n" },
    {
      path: "etc/passwd",
      type: "file",
      content: "root:x:0:0:root:/root:/sbin/nologin\n" +
        "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
    },
    { path: "home", type: "dir" },
    { path: "home/nonroot", type: "dir", mode: 0o700, uid: 65532, gid: 65532 },
    { path: "tmp", type: "dir", mode: 0o1777 },
  ];
}

/** A gzip tar layer blob and its diff ID (digest of the uncompressed tar). */
export function gzipLayer(
  entries: TarEntry[],
  family: Family = "oci",
): { blob: Blob; diffId: string } {
  const tar = tarArchive(entries);
  const gz = new Uint8Array(gzipSync(tar, { level: 9 }));
  return {
    blob: { digest: sha256(gz), mediaType: (family === "oci" ? OCI : DOCKER).layer, bytes: gz },
    diffId: sha256(tar),
  };
}

function jsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(value));
}

function descriptor(b: { mediaType: string; digest: string; bytes: Uint8Array }) {
  return { mediaType: b.mediaType, digest: b.digest, size: b.bytes.length };
}

/** Options for {@link buildImage}. */
export interface ImageOptions {
  family: Family;
  platform: FixturePlatform;
  /** Goes into the `dev.ko-ts.fixture` label, so tests can tell fixtures apart. */
  label: string;
  /** Start from the base layer (default true). */
  base?: boolean;
  /** More layers after the base one. */
  layers?: TarEntry[][];
  /** Merged into the config's `config` object (e.g. `Entrypoint`). */
  containerConfig?: Record<string, unknown>;
}

/** Builds a single-platform image. */
export function buildImage(opts: ImageOptions): BuiltImage {
  const layerSets = [
    ...(opts.base ?? true ? [baseLayerEntries(opts.platform)] : []),
    ...(opts.layers ?? []),
  ];
  const layers = layerSets.map((entries) => gzipLayer(entries, opts.family));
  const config: Record<string, unknown> = { architecture: opts.platform.architecture };
  if (opts.platform.variant) config.variant = opts.platform.variant;
  Object.assign(config, {
    author: "ko-ts test fixtures",
    created: FIXTURE_CREATED,
    history: layers.map((_, i) => ({
      created: FIXTURE_CREATED,
      created_by: i === 0 && (opts.base ?? true)
        ? "ko-ts fixture: base files"
        : `ko-ts fixture: layer ${i}`,
    })),
    os: opts.platform.os,
    ...(opts.platform["os.version"] ? { "os.version": opts.platform["os.version"] } : {}),
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    config: {
      User: FIXTURE_USER,
      Env: FIXTURE_ENV,
      WorkingDir: "/",
      Labels: {
        "org.opencontainers.image.title": "ko-ts fixture base",
        "dev.ko-ts.fixture": opts.label,
      },
      ...opts.containerConfig,
    },
  });
  const types = opts.family === "oci" ? OCI : DOCKER;
  const configBytes = jsonBytes(config);
  const configBlob: Blob = {
    digest: sha256(configBytes),
    mediaType: types.config,
    bytes: configBytes,
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: descriptor(configBlob),
    layers: layers.map((l) => descriptor(l.blob)),
  };
  return finishImage(types.manifest, manifest, [configBlob, ...layers.map((l) => l.blob)], {
    platform: opts.platform,
    config,
    diffIds: layers.map((l) => l.diffId),
  });
}

function finishImage(
  mediaType: string,
  manifest: unknown,
  blobs: Blob[],
  rest: { platform: FixturePlatform; config: Record<string, unknown>; diffIds: string[] },
): BuiltImage {
  const bytes = jsonBytes(manifest);
  return {
    kind: "image",
    mediaType,
    digest: sha256(bytes),
    bytes,
    blobs,
    configDigest: blobs[0]!.digest,
    layerDigests: blobs.slice(1).map((b) => b.digest),
    ...rest,
  };
}

/** An attestation manifest as Docker buildx writes it (in-toto layer, `unknown/unknown` config). */
export function buildAttestation(subject: BuiltImage): IndexEntry {
  const statement = jsonBytes({
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: [{ name: "fixture", digest: { sha256: subject.digest.slice(7) } }],
    predicate: { builder: { id: "ko-ts fixtures" } },
  });
  const layer: Blob = {
    digest: sha256(statement),
    mediaType: "application/vnd.in-toto+json",
    bytes: statement,
  };
  const config = {
    architecture: "unknown",
    os: "unknown",
    config: {},
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  };
  const configBytes = jsonBytes(config);
  const configBlob: Blob = {
    digest: sha256(configBytes),
    mediaType: OCI.config,
    bytes: configBytes,
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config: descriptor(configBlob),
    layers: [{
      ...descriptor(layer),
      annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
    }],
  };
  const platform = { os: "unknown", architecture: "unknown" };
  return {
    image: finishImage(OCI.manifest, manifest, [configBlob, layer], {
      platform,
      config,
      diffIds: [layer.digest],
    }),
    platform,
    annotations: {
      "vnd.docker.reference.digest": subject.digest,
      "vnd.docker.reference.type": "attestation-manifest",
    },
  };
}

/** Builds an index over `entries` (each image's own platform unless the entry says otherwise). */
export function buildIndex(family: Family, entries: Array<BuiltImage | IndexEntry>): BuiltIndex {
  const full = entries.map((e) => "kind" in e ? { image: e, platform: e.platform } : e);
  const mediaType = family === "oci" ? OCI.index : DOCKER.index;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: full.map((e) => ({
      ...descriptor(e.image),
      ...(e.annotations ? { annotations: e.annotations } : {}),
      platform: e.platform,
    })),
  };
  const bytes = jsonBytes(index);
  return { kind: "index", mediaType, digest: sha256(bytes), bytes, entries: full };
}

/** Every blob a built manifest needs, children included, without duplicates. */
export function allBlobs(built: Built): Blob[] {
  const seen = new Map<string, Blob>();
  const images = built.kind === "image" ? [built] : built.entries.map((e) => e.image);
  for (const img of images) for (const b of img.blobs) seen.set(b.digest, b);
  return [...seen.values()];
}

/** A ko-style app image: the fixture base plus `/ko-app/<name>` (mode 0755) as the entrypoint. */
export function buildAppImage(
  binary: Uint8Array,
  opts: { name?: string; family?: Family; platform?: FixturePlatform } = {},
): BuiltImage {
  const name = opts.name ?? "app";
  return buildImage({
    family: opts.family ?? "oci",
    platform: opts.platform ?? { os: "linux", architecture: "amd64" },
    label: `app-${name}`,
    layers: [[
      { path: "ko-app", type: "dir" },
      { path: `ko-app/${name}`, type: "file", mode: 0o755, content: binary },
    ]],
    containerConfig: { Entrypoint: [`/ko-app/${name}`] },
  });
}

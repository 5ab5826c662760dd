/**
 * Images and indexes read from a registry. Only manifests and configs are fetched; layers stay
 * remote (their bytes are fetched only by publishers that need them, and registries mount
 * them across repositories instead).
 */
import { parseConfig } from "../oci/config.ts";
import { type Digest, parseDigest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import {
  detectMediaType,
  type Index,
  type Manifest,
  parseIndex,
  parseJsonObject,
  parseManifest,
} from "../oci/manifest.ts";
import { isImageMediaType, isIndexMediaType } from "../oci/media_types.ts";
import type { Repository } from "../oci/reference.ts";
import type { Layer } from "../layer/layer.ts";
import { KoError } from "../util/errors.ts";
import { Memo } from "../util/memo.ts";
import { type Image, imageFromParts } from "./image.ts";

/** The slice of the registry client that reading images needs. */
export interface RegistryReader {
  getManifest(
    repo: Repository,
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; mediaType: string; digest: Digest }>;
  /** A blob's bytes, checked against `digest` (and `size`) as they are read. */
  getBlob(
    repo: Repository,
    digest: Digest,
    signal?: AbortSignal,
    size?: number,
  ): Promise<ReadableStream<Uint8Array>>;
  getBlobBytes(repo: Repository, digest: Digest, signal?: AbortSignal): Promise<Uint8Array>;
}

/** An index whose children are fetched on demand. */
export interface LazyIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly index: Index;
  readonly manifestBytes: Uint8Array;
  readonly digest: Digest;
  /** Fetches the image a child descriptor points at. */
  loadChild(descriptor: Descriptor, signal?: AbortSignal): Promise<Image>;
}

/** A base image: a single image or an index. */
export type BaseImage = Image | LazyIndex;

/** A layer whose bytes live in a registry repository. */
function remoteLayer(
  reader: RegistryReader,
  repo: Repository,
  descriptor: Descriptor,
  diffId: Digest,
): Layer {
  return {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    diffId,
    source: { registry: repo.registry, repository: repo.repository },
    open: () => reader.getBlob(repo, descriptor.digest, undefined, descriptor.size),
  };
}

/** Reads an image or index at `reference` (a tag or digest) in `repo`. */
export async function fetchRemote(
  reader: RegistryReader,
  repo: Repository,
  reference: string,
  signal?: AbortSignal,
): Promise<BaseImage> {
  const got = await reader.getManifest(repo, reference, signal);
  const obj = parseJsonObject(got.bytes, `manifest of ${repo.registry}/${repo.repository}`);
  const mediaType = detectMediaType(obj, got.mediaType);
  if (isIndexMediaType(mediaType)) {
    const index = parseIndex(got.bytes);
    // Every image built on this base for a platform reads the same child: once.
    const children = new Memo<Image>();
    return {
      kind: "index",
      mediaType,
      index,
      manifestBytes: got.bytes,
      digest: got.digest,
      loadChild: (d, s) =>
        children.get(d.digest, async () => {
          if (!isImageMediaType(d.mediaType)) {
            throw new KoError(`"${d.digest}" has unexpected mediaType "${d.mediaType}"`);
          }
          const child = await fetchRemote(reader, repo, d.digest, s);
          if (child.kind !== "image") {
            throw new KoError(`"${d.digest}" has unexpected mediaType "${child.mediaType}"`);
          }
          return child;
        }),
    };
  }
  if (!isImageMediaType(mediaType)) {
    throw new KoError(`base image media type: ${mediaType || "unknown"}`);
  }
  const manifest: Manifest = { ...parseManifest(got.bytes), mediaType };
  const configBytes = await reader.getBlobBytes(repo, manifest.config.digest, signal);
  const config = parseConfig(configBytes);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new KoError(
      `image ${repo.registry}/${repo.repository}@${got.digest} has ${manifest.layers.length} layers but its config lists ${diffIds.length} diff_ids`,
    );
  }
  const layers = manifest.layers.map((d, i) =>
    remoteLayer(reader, repo, d, parseDigest(diffIds[i]!))
  );
  return imageFromParts(manifest, config, configBytes, layers, got.bytes);
}

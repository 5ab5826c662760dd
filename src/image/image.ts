/**
 * Images and indexes as immutable values. A manifest or config is serialised exactly once;
 * its digest is taken from those bytes and the same bytes are what publishers write.
 */
import { type ConfigFile, serializeConfig } from "../oci/config.ts";
import { type Digest, sha256Digest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { type Index, type Manifest, serializeIndex, serializeManifest } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";
import type { Layer } from "../layer/layer.ts";
import type { BuildInfo } from "../go/build_info.ts";
import type { BuildProvenance } from "./provenance.ts";

/** What travels with a result without being part of it (its digest stays the same). */
interface Attachments {
  /** The SBOM describing the result (pushed as a cosign-style attachment and a referrer). */
  readonly sbom?: { readonly mediaType: string; readonly bytes: Uint8Array };
  /** The Go build info of the image's binary, when the build was asked to keep it. */
  readonly buildInfo?: BuildInfo;
  /** How the image was built, when the run attests it (images only; an index's is derived). */
  readonly provenance?: BuildProvenance;
}

/** One image: manifest, config and layers, with their exact bytes. */
export interface Image {
  readonly kind: "image";
  /** The manifest media type (OCI or Docker). */
  readonly mediaType: string;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  readonly digest: Digest;
  readonly config: ConfigFile;
  readonly configBytes: Uint8Array;
  /** Layers in manifest order (base first). */
  readonly layers: readonly Layer[];
  readonly attachments?: Attachments;
}

/** A child of an index: its descriptor (with platform) and, when we have it, the image. */
export interface IndexChild {
  readonly descriptor: Descriptor;
  readonly image?: Image;
}

/** An image index or Docker manifest list. */
export interface ImageIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly index: Index;
  readonly manifestBytes: Uint8Array;
  readonly digest: Digest;
  /** Children in index order; built children carry their image. */
  readonly children: readonly IndexChild[];
  readonly attachments?: Attachments;
}

/** What a build produces and a publisher consumes. */
export type BuildResult = Image | ImageIndex;

/** A descriptor pointing at a built result (for indexes, layouts and referrers). */
export function descriptorOf(result: BuildResult, extra: Partial<Descriptor> = {}): Descriptor {
  return {
    mediaType: result.mediaType,
    size: result.manifestBytes.length,
    digest: result.digest,
    ...extra,
  };
}

/**
 * Assembles an image from a manifest template, its config and layers: serialises the config
 * (digest and size go into the manifest), then the manifest, once each.
 */
export function makeImage(
  manifest: Omit<Manifest, "config" | "layers"> & { config: Pick<Descriptor, "mediaType"> },
  config: ConfigFile,
  layers: readonly Layer[],
  existingLayerDescriptors?: readonly Descriptor[],
): Image {
  const configBytes = serializeConfig(config);
  const layerDescriptors: Descriptor[] = layers.map((l, i) =>
    existingLayerDescriptors?.[i] ?? { mediaType: l.mediaType, size: l.size, digest: l.digest }
  );
  const full: Manifest = {
    ...manifest,
    config: {
      ...manifest.config,
      mediaType: manifest.config.mediaType,
      size: configBytes.length,
      digest: sha256Digest(configBytes),
    },
    layers: layerDescriptors,
  };
  return imageFromParts(full, config, configBytes, layers);
}

/** Wraps already-decided parts into an Image (serialising the manifest once). */
export function imageFromParts(
  manifest: Manifest,
  config: ConfigFile,
  configBytes: Uint8Array,
  layers: readonly Layer[],
  manifestBytes: Uint8Array = serializeManifest(manifest),
): Image {
  return {
    kind: "image",
    mediaType: manifest.mediaType ?? MediaType.OciManifest,
    manifest,
    manifestBytes,
    digest: sha256Digest(manifestBytes),
    config,
    configBytes,
    layers,
  };
}

/** Assembles an index from its serialisable form and children (serialised once). */
export function makeIndex(index: Index, children: readonly IndexChild[]): ImageIndex {
  const manifestBytes = serializeIndex(index);
  return {
    kind: "index",
    mediaType: index.mediaType ?? MediaType.OciIndex,
    index,
    manifestBytes,
    digest: sha256Digest(manifestBytes),
    children,
  };
}

/**
 * The registry artifacts that carry a file (an SBOM) attached to an image or index, built as
 * exact bytes ready to push:
 *
 * - the cosign-style attachment ko pushes at `sha256-<hex>.sbom` (ko-behaviour 7): an OCI
 *   image manifest over a config naming the file's diff_id and one uncompressed layer holding
 *   the file, with no annotations and no `subject` — what `cosign download sbom` reads;
 * - the OCI 1.1 referrer: an artifact manifest whose `artifactType` is the file's media type,
 *   whose config is the empty descriptor, whose one layer is the file and whose `subject` is
 *   the described manifest (listed by the referrers API or the fallback tag).
 */
import { type ConfigFile, serializeConfig } from "../oci/config.ts";
import { type Digest, digestAlgorithm, digestHex, sha256Digest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { ZERO_TIME } from "../oci/go_json.ts";
import { type Manifest, serializeManifest } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";

/** A file to attach: its media type and exact bytes. */
export interface AttachedFile {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** A blob an artifact manifest refers to. */
interface ArtifactBlob {
  readonly digest: Digest;
  readonly bytes: Uint8Array;
}

/** An artifact manifest serialised once, with the blobs it needs. */
export interface Artifact {
  readonly mediaType: string;
  readonly manifest: Manifest;
  readonly bytes: Uint8Array;
  readonly digest: Digest;
  /** The config blob first, then the layer. */
  readonly blobs: readonly ArtifactBlob[];
}

/** The content of the OCI empty descriptor: `{}`. */
export const EMPTY_JSON: Uint8Array = new TextEncoder().encode("{}");

/** The OCI empty descriptor (image-spec 1.1), used as an artifact's config. */
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: MediaType.OciEmpty,
  size: 2,
  digest: sha256Digest(EMPTY_JSON),
  data: "e30=",
};

/** cosign's attachment tag for a digest: `sha256:<hex>` → `sha256-<hex>.<suffix>`. */
export function attachmentTag(digest: string, suffix = "sbom"): string {
  return `${digestAlgorithm(digest)}-${digestHex(digest)}.${suffix}`;
}

/** The cosign-style attachment manifest for a file (what ko pushes at `sha256-<hex>.sbom`). */
export function cosignAttachment(file: AttachedFile): Artifact {
  const layerDigest = sha256Digest(file.bytes);
  const config: ConfigFile = {
    architecture: "",
    created: ZERO_TIME,
    history: [{ created: ZERO_TIME }],
    os: "",
    rootfs: { type: "layers", diff_ids: [layerDigest] },
    config: {},
  };
  const configBytes = serializeConfig(config);
  const configDigest = sha256Digest(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, size: configBytes.length, digest: configDigest },
    layers: [{ mediaType: file.mediaType, size: file.bytes.length, digest: layerDigest }],
  };
  return artifact(manifest, [
    { digest: configDigest, bytes: configBytes },
    { digest: layerDigest, bytes: file.bytes },
  ]);
}

/**
 * The OCI 1.1 referrer artifact for a file describing `subject`: `artifactType` is the file's
 * media type, the config the empty descriptor, the one layer the file itself.
 */
export function referrerArtifact(
  file: AttachedFile,
  subject: Descriptor,
  annotations?: Readonly<Record<string, string>>,
): Artifact {
  const layerDigest = sha256Digest(file.bytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: file.mediaType,
    config: EMPTY_DESCRIPTOR,
    layers: [{ mediaType: file.mediaType, size: file.bytes.length, digest: layerDigest }],
    ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
    subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
  };
  return artifact(manifest, [
    { digest: EMPTY_DESCRIPTOR.digest, bytes: EMPTY_JSON },
    { digest: layerDigest, bytes: file.bytes },
  ]);
}

function artifact(manifest: Manifest, blobs: ArtifactBlob[]): Artifact {
  const bytes = serializeManifest(manifest);
  return {
    mediaType: MediaType.OciManifest,
    manifest,
    bytes,
    digest: sha256Digest(bytes),
    blobs,
  };
}

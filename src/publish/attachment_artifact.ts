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
import { type Artifact, EMPTY_DESCRIPTOR, EMPTY_JSON, makeArtifact } from "../oci/artifact.ts";
import { digestAlgorithm, digestHex, sha256Digest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { cosignImage } from "../oci/cosign_image.ts";
import type { Manifest } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";

/** A file to attach: its media type and exact bytes. */
export interface AttachedFile {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** cosign's attachment tag for a digest: `sha256:<hex>` → `sha256-<hex>.<suffix>`. */
export function attachmentTag(digest: string, suffix = "sbom"): string {
  return `${digestAlgorithm(digest)}-${digestHex(digest)}.${suffix}`;
}

/** The cosign-style attachment manifest for a file (what ko pushes at `sha256-<hex>.sbom`). */
export function cosignAttachment(file: AttachedFile): Artifact {
  return cosignImage([file]);
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
  return makeArtifact(manifest, [
    { digest: EMPTY_DESCRIPTOR.digest, bytes: EMPTY_JSON },
    { digest: layerDigest, bytes: file.bytes },
  ]);
}

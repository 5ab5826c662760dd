/**
 * Registry artifacts built as exact bytes ready to push: a manifest serialised once, its
 * digest, and the small blobs it refers to (SBOM attachments, cosign signatures and
 * attestations, OCI 1.1 referrers).
 */
import { type Digest, sha256Digest } from "./digest.ts";
import type { Descriptor } from "./descriptor.ts";
import { type Manifest, serializeManifest } from "./manifest.ts";
import { MediaType } from "./media_types.ts";

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
  /** The config blob first, then the layers. */
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

/** An OCI image manifest and its blobs as an {@link Artifact} (serialised here, once). */
export function makeArtifact(manifest: Manifest, blobs: readonly ArtifactBlob[]): Artifact {
  const bytes = serializeManifest(manifest);
  return {
    mediaType: manifest.mediaType ?? MediaType.OciManifest,
    manifest,
    bytes,
    digest: sha256Digest(bytes),
    blobs,
  };
}

/**
 * The image cosign stores things next to an image as (go-containerregistry's `mutate.Append`
 * onto an empty OCI image): a config whose `rootfs.diff_ids` name the layers, one empty history
 * entry per layer, and uncompressed layers that are the files themselves (an SBOM, a signed
 * payload, a DSSE envelope), each with its own annotations. `cosign download sbom`, `cosign
 * verify` and `cosign verify-attestation` read these at `sha256-<hex>.sbom|sig|att`.
 */
import { type Artifact, makeArtifact } from "./artifact.ts";
import { type ConfigFile, serializeConfig } from "./config.ts";
import { sha256Digest } from "./digest.ts";
import type { Descriptor } from "./descriptor.ts";
import { ZERO_TIME } from "./go_json.ts";
import type { Manifest } from "./manifest.ts";
import { MediaType } from "./media_types.ts";

/** One layer of a cosign image: a file, its media type and the layer's annotations. */
export interface CosignLayer {
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What else goes into the manifest. */
interface CosignImageOptions {
  /**
   * Layers already in the repository (another signer's signatures), listed before `layers`;
   * their blobs are not pushed again.
   */
  readonly kept?: readonly Descriptor[];
  /** The config's media type (cosign's referrer form names the artifact type there). */
  readonly configMediaType?: string;
  readonly artifactType?: string;
  readonly subject?: Descriptor;
}

/** The cosign image holding `layers` in order, ready to push. */
export function cosignImage(layers: readonly CosignLayer[], o: CosignImageOptions = {}): Artifact {
  const kept = o.kept ?? [];
  const digests = layers.map((l) => sha256Digest(l.bytes));
  const config: ConfigFile = {
    architecture: "",
    created: ZERO_TIME,
    history: [...kept, ...layers].map(() => ({ created: ZERO_TIME })),
    os: "",
    // cosign's layers are uncompressed: each diff_id is the layer's digest.
    rootfs: { type: "layers", diff_ids: [...kept.map((d) => d.digest), ...digests] },
    config: {},
  };
  const configBytes = serializeConfig(config);
  const configDigest = sha256Digest(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: {
      mediaType: o.configMediaType ?? MediaType.OciConfig,
      size: configBytes.length,
      digest: configDigest,
    },
    layers: [
      ...kept,
      ...layers.map((l, i) => ({
        mediaType: l.mediaType,
        size: l.bytes.length,
        digest: digests[i]!,
        ...(l.annotations && Object.keys(l.annotations).length
          ? { annotations: { ...l.annotations } }
          : {}),
      })),
    ],
    ...(o.subject
      ? {
        subject: { mediaType: o.subject.mediaType, size: o.subject.size, digest: o.subject.digest },
      }
      : {}),
    ...(o.artifactType ? { artifactType: o.artifactType } : {}),
  };
  const blobs = [{ digest: configDigest, bytes: configBytes }];
  layers.forEach((l, i) => {
    if (!blobs.some((b) => b.digest === digests[i])) {
      blobs.push({ digest: digests[i]!, bytes: l.bytes });
    }
  });
  return makeArtifact(manifest, blobs);
}

/**
 * The layers cosign stores signatures and attestations as, and the images that hold them:
 *
 * - a signature: the simple-signing payload, its signature in the layer annotation
 *   `dev.cosignproject.cosign/signature`; all signatures of an image in one image at its
 *   `sha256-<hex>.sig` tag (another signer's are kept, ours added once);
 * - an attestation: a DSSE envelope (the signature inside it, the annotation empty) with a
 *   `predicateType` annotation; all in one image at `sha256-<hex>.att`, where ours replace
 *   earlier ones of the same predicate type (cosign's `attest --replace`);
 * - their OCI 1.1 referrer forms: the signature image with cosign's artifact type
 *   `application/vnd.dev.cosign.artifact.sig.v1+json` (what `cosign verify --experimental-oci11`
 *   reads), and each attestation as an in-toto artifact (what `cosign tree` lists).
 */
import { type Artifact, EMPTY_DESCRIPTOR, EMPTY_JSON, makeArtifact } from "../oci/artifact.ts";
import { cosignImage, type CosignLayer } from "../oci/cosign_image.ts";
import { sha256Digest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { MediaType } from "../oci/media_types.ts";
import { DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from "./dsse.ts";

/** The layer annotation holding a signature (base64). */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

/** The annotation naming an attestation's predicate type. */
export const PREDICATE_TYPE_ANNOTATION = "predicateType";

/** cosign's artifact type of a signature referrer. */
export const SIGNATURE_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";

/**
 * The signature image with `ours` added after the `existing` layers, or undefined when one of
 * them is `ours` already (same digest and annotations).
 */
export function withSignature(
  existing: readonly Descriptor[],
  ours: CosignLayer,
): Artifact | undefined {
  const digest = sha256Digest(ours.bytes);
  const same = existing.some((d) =>
    d.digest === digest && sameAnnotations(d.annotations, ours.annotations)
  );
  return same ? undefined : cosignImage([ours], { kept: existing });
}

/**
 * The attestation image: the `existing` layers but those of the predicate types in `ours`,
 * then `ours`; undefined when that is exactly what is there.
 */
export function withAttestations(
  existing: readonly Descriptor[],
  ours: readonly CosignLayer[],
): Artifact | undefined {
  const replaced = new Set(ours.map((l) => l.annotations?.[PREDICATE_TYPE_ANNOTATION]));
  const kept = existing.filter((d) => !replaced.has(d.annotations?.[PREDICATE_TYPE_ANNOTATION]));
  const unchanged = kept.length + ours.length === existing.length &&
    ours.every((l, i) => {
      const d = existing[kept.length + i]!;
      return d.digest === sha256Digest(l.bytes) && sameAnnotations(d.annotations, l.annotations);
    });
  return unchanged ? undefined : cosignImage(ours, { kept });
}

/** The OCI 1.1 referrer of `subject` holding our signature (cosign's form). */
export function signatureReferrer(ours: CosignLayer, subject: Descriptor): Artifact {
  return cosignImage([ours], {
    configMediaType: SIGNATURE_ARTIFACT_TYPE,
    artifactType: SIGNATURE_ARTIFACT_TYPE,
    subject,
  });
}

/** The OCI 1.1 referrer of `subject` holding one attestation (an in-toto artifact). */
export function attestationReferrer(attestation: CosignLayer, subject: Descriptor): Artifact {
  const digest = sha256Digest(attestation.bytes);
  const predicateType = attestation.annotations?.[PREDICATE_TYPE_ANNOTATION];
  return makeArtifact({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: IN_TOTO_PAYLOAD_TYPE,
    config: EMPTY_DESCRIPTOR,
    layers: [{
      mediaType: DSSE_MEDIA_TYPE,
      size: attestation.bytes.length,
      digest,
      ...(attestation.annotations ? { annotations: { ...attestation.annotations } } : {}),
    }],
    ...(predicateType ? { annotations: { [PREDICATE_TYPE_ANNOTATION]: predicateType } } : {}),
    subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
  }, [
    { digest: EMPTY_DESCRIPTOR.digest, bytes: EMPTY_JSON },
    { digest, bytes: attestation.bytes },
  ]);
}

function sameAnnotations(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ka = Object.keys(a ?? {}), kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a![k] === b?.[k]);
}

/**
 * Signing what a run publishes: for one image or index (its children are subjects of their
 * own), the cosign signature of its digest and its attestations — SLSA provenance and, for an
 * SPDX or CycloneDX SBOM, the SBOM — as layers ready for the `.sig`/`.att` images and their
 * referrer forms (cosign_layers.ts). Publishers are handed one {@link ImageSigning}.
 */
import type { CosignLayer } from "../oci/cosign_image.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { MediaType } from "../oci/media_types.ts";
import { type BuildResult, descriptorOf } from "../image/image.ts";
import type { BuildProvenance } from "../image/provenance.ts";
import { isScratch } from "../image/scratch.ts";
import { baseImageFromAnnotations } from "../sbom/sbom_inputs.ts";
import { DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from "./dsse.ts";
import { inTotoStatement, PredicateType } from "./in_toto.ts";
import { PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION } from "./cosign_layers.ts";
import type { Signer } from "./signer.ts";
import { SIMPLE_SIGNING_MEDIA_TYPE, simpleSigningPayload } from "./simple_signing.ts";
import { imageProvenance, indexProvenance } from "./slsa_provenance.ts";

/** What one subject is signed with. */
interface SignedSubject {
  readonly subject: Descriptor;
  /** The simple-signing layer. */
  readonly signature: CosignLayer;
  /** DSSE layers: provenance first, then the SBOM when there is one to attest. */
  readonly attestations: readonly CosignLayer[];
}

/** The attestation predicate types of SBOM media types (`go.version-m` has none). */
const SBOM_PREDICATES: Record<string, string> = {
  [MediaType.SpdxJson]: PredicateType.Spdx,
  [MediaType.CycloneDxJson]: PredicateType.CycloneDx,
};

/** Signs and attests a run's results with one Signer. */
export class ImageSigning {
  constructor(readonly signer: Signer) {}

  /**
   * The signature and attestations of `result` itself (not its children), published as
   * `identity` (`registry/repository`, or the image's name in a layout).
   */
  async sign(result: BuildResult, identity: string): Promise<SignedSubject> {
    const subject = descriptorOf(result);
    const payload = simpleSigningPayload(identity, result.digest);
    const sig = await this.signer.sign(payload);
    const signature: CosignLayer = {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      bytes: payload,
      annotations: { ...sig.annotations, [SIGNATURE_ANNOTATION]: sig.bytes.toBase64() },
    };
    const attestations: CosignLayer[] = [];
    const provenance = provenanceOf(result);
    const statementSubject = { name: identity, digest: result.digest };
    if (provenance !== undefined) {
      attestations.push(
        await this.#attest(
          inTotoStatement(statementSubject, PredicateType.SlsaProvenanceV1, provenance),
          PredicateType.SlsaProvenanceV1,
        ),
      );
    }
    const sbom = result.attachments?.sbom;
    const sbomType = sbom ? SBOM_PREDICATES[sbom.mediaType] : undefined;
    if (sbom && sbomType) {
      const document = JSON.parse(new TextDecoder().decode(sbom.bytes));
      attestations.push(
        await this.#attest(inTotoStatement(statementSubject, sbomType, document), sbomType),
      );
    }
    return { subject, signature, attestations };
  }

  async #attest(statement: Uint8Array, predicateType: string): Promise<CosignLayer> {
    const envelope = await signEnvelope(this.signer, IN_TOTO_PAYLOAD_TYPE, statement);
    return {
      mediaType: DSSE_MEDIA_TYPE,
      bytes: envelope,
      annotations: { [SIGNATURE_ANNOTATION]: "", [PREDICATE_TYPE_ANNOTATION]: predicateType },
    };
  }
}

/** The SLSA predicate of a result: its own record, or for an index its children's. */
function provenanceOf(result: BuildResult): unknown {
  if (result.kind === "image") {
    const p = result.attachments?.provenance;
    return p ? imageProvenance(p) : undefined;
  }
  const children = result.children.flatMap((c) => {
    const p = c.image?.attachments?.provenance;
    return p
      ? [{ digest: c.descriptor.digest, mediaType: c.descriptor.mediaType, provenance: p }]
      : [];
  });
  if (children.length === 0 || children.length !== result.children.length) return undefined;
  return indexProvenance(
    children[0]!.provenance.importPath,
    baseOf(result.index.annotations),
    children,
  );
}

/** The base an index was built on, unless it is the built-in scratch. */
function baseOf(
  annotations: Readonly<Record<string, string>> | undefined,
): BuildProvenance["base"] {
  const base = baseImageFromAnnotations(annotations);
  return base && !isScratch(base.name) ? base : undefined;
}

/** in-toto attestation statements (v1): which artifact a predicate is about, and the predicate. */

/** The predicate types ko attests, as `cosign verify-attestation --type` names them. */
export const PredicateType = {
  /** `--type slsaprovenance1`. */
  SlsaProvenanceV1: "https://slsa.dev/provenance/v1",
  /** `--type spdxjson`. */
  Spdx: "https://spdx.dev/Document",
  /** `--type cyclonedx`. */
  CycloneDx: "https://cyclonedx.org/bom",
} as const;

/** The artifact a statement is about: its name and SHA-256. */
interface StatementSubject {
  /** The repository the image is published as (`registry/repository`). */
  readonly name: string;
  /** `sha256:<hex>`. */
  readonly digest: string;
}

/** The JSON bytes of an in-toto v1 statement of `predicate` about `subject`. */
export function inTotoStatement(
  subject: StatementSubject,
  predicateType: string,
  predicate: unknown,
): Uint8Array {
  const [algorithm, hex] = subject.digest.split(":");
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: subject.name, digest: { [algorithm!]: hex } }],
    predicateType,
    predicate,
  };
  return new TextEncoder().encode(JSON.stringify(statement));
}

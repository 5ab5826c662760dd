/**
 * The Signer: what signs the payloads of cosign signatures and the DSSE envelopes of
 * attestations. A key file is the one kind today (key_signer.ts); keyless signing (a Fulcio
 * certificate, a Rekor entry) and KMS keys would be further kinds, adding what their
 * verifiers need as annotations next to the signature.
 */

/** A signature over some bytes, and what a verifier needs besides it. */
export interface Signature {
  /** ECDSA: ASN.1 DER over the SHA-256 of the bytes; Ed25519: the 64-byte signature. */
  readonly bytes: Uint8Array;
  /**
   * Annotations cosign puts next to the signature (a certificate and chain, a transparency
   * log bundle); none for a plain key.
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Signs bytes with one identity. */
export interface Signer {
  /** The key's name in messages (a path or reference; never anything secret). */
  readonly name: string;
  sign(data: Uint8Array): Promise<Signature>;
}

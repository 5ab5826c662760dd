/**
 * DSSE (Dead Simple Signing Envelope): the signature is over the pre-authentication encoding
 * `DSSEv1 <len(type)> <type> <len(body)> <body>`, and the envelope carries the payload and
 * the signatures in base64. cosign stores attestations as such envelopes.
 */
import type { Signer } from "./signer.ts";

/** The media type of a layer holding a DSSE envelope. */
export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";

/** The payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** The pre-authentication encoding of a payload (what is signed). */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const type = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** Signs `payload` and wraps it in a DSSE envelope (JSON bytes, one signature). */
export async function signEnvelope(
  signer: Signer,
  payloadType: string,
  payload: Uint8Array,
): Promise<Uint8Array> {
  const sig = await signer.sign(preAuthEncoding(payloadType, payload));
  const envelope = {
    payloadType,
    payload: payload.toBase64(),
    signatures: [{ keyid: "", sig: sig.bytes.toBase64() }],
  };
  return new TextEncoder().encode(JSON.stringify(envelope));
}

import { deepEqual, equal, ok } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import type { CosignLayer } from "../../src/oci/cosign_image.ts";
import {
  SIGNATURE_ARTIFACT_TYPE,
  signatureReferrer,
  withAttestations,
  withSignature,
} from "../../src/sign/cosign_layers.ts";

const enc = new TextEncoder();
const layer = (text: string, annotations: Record<string, string>): CosignLayer => ({
  mediaType: "application/x",
  bytes: enc.encode(text),
  annotations,
});
const descriptor = (l: CosignLayer) => ({
  mediaType: l.mediaType,
  size: l.bytes.length,
  digest: sha256Digest(l.bytes),
  annotations: { ...l.annotations },
});

Deno.test("a signature is added once, after other signers' signatures", () => {
  const theirs = descriptor(layer("payload", { "dev.cosignproject.cosign/signature": "theirs" }));
  const ours = layer("payload", { "dev.cosignproject.cosign/signature": "ours" });
  const added = withSignature([theirs], ours)!;
  deepEqual(added.manifest.layers.map((l) => l.annotations), [
    { "dev.cosignproject.cosign/signature": "theirs" },
    { "dev.cosignproject.cosign/signature": "ours" },
  ]);
  // Only our layer's blob (and the config) is pushed: theirs is there already.
  equal(added.blobs.length, 2);
  equal(withSignature(added.manifest.layers, ours), undefined);
});

Deno.test("attestations replace those of the same predicate type and keep the others", () => {
  const slsaOld = descriptor(layer("old", { predicateType: "slsa" }));
  const vuln = descriptor(layer("vuln", { predicateType: "vuln" }));
  const slsaNew = layer("new", { predicateType: "slsa" });
  const next = withAttestations([slsaOld, vuln], [slsaNew])!;
  deepEqual(next.manifest.layers.map((l) => l.digest), [vuln.digest, sha256Digest("new")]);
  equal(withAttestations(next.manifest.layers, [slsaNew]), undefined);
});

Deno.test("the signature referrer is cosign's OCI 1.1 form", () => {
  const subject = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    size: 10,
    digest: sha256Digest("s"),
  };
  const r = signatureReferrer(layer("p", { "dev.cosignproject.cosign/signature": "x" }), subject);
  equal(r.manifest.artifactType, SIGNATURE_ARTIFACT_TYPE);
  equal(r.manifest.config.mediaType, SIGNATURE_ARTIFACT_TYPE);
  deepEqual(r.manifest.subject, subject);
  ok(new TextDecoder().decode(r.bytes).includes('"subject"'));
});

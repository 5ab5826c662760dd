import { deepEqual, equal } from "node:assert/strict";
import { EMPTY_DESCRIPTOR, EMPTY_JSON } from "../../src/oci/artifact.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import {
  attachmentTag,
  cosignAttachment,
  referrerArtifact,
} from "../../src/publish/attachment_artifact.ts";

const dec = new TextDecoder();
const SBOM = { mediaType: "text/spdx+json", bytes: new TextEncoder().encode('{"spdx":true}\n') };
const SBOM_DIGEST = sha256Digest(SBOM.bytes);
const SUBJECT = {
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  size: 1234,
  digest: sha256Digest("subject"),
};

Deno.test("attachmentTag is cosign's sha256-<hex>.<suffix>", () => {
  const d = sha256Digest("x");
  equal(attachmentTag(d), `sha256-${d.slice(7)}.sbom`);
  equal(attachmentTag(d, "sig"), `sha256-${d.slice(7)}.sig`);
});

Deno.test("cosignAttachment has ko's config and one uncompressed layer, byte for byte", () => {
  const a = cosignAttachment(SBOM);
  const [config, layer] = a.blobs;
  equal(
    dec.decode(config!.bytes),
    `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${SBOM_DIGEST}"]},"config":{}}`,
  );
  equal(config!.digest, sha256Digest(config!.bytes));
  deepEqual(layer, { digest: SBOM_DIGEST, bytes: SBOM.bytes });
  equal(
    dec.decode(a.bytes),
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${
      config!.bytes.length
    },"digest":"${
      config!.digest
    }"},"layers":[{"mediaType":"text/spdx+json","size":${SBOM.bytes.length},"digest":"${SBOM_DIGEST}"}]}`,
  );
  equal(a.digest, sha256Digest(a.bytes));
  equal(a.mediaType, "application/vnd.oci.image.manifest.v1+json");
});

Deno.test("referrerArtifact is an OCI 1.1 artifact: artifactType, empty config, subject", () => {
  const a = referrerArtifact(SBOM, SUBJECT);
  equal(
    dec.decode(a.bytes),
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","data":"e30="},"layers":[{"mediaType":"text/spdx+json","size":${SBOM.bytes.length},"digest":"${SBOM_DIGEST}"}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1234,"digest":"${SUBJECT.digest}"},"artifactType":"text/spdx+json"}`,
  );
  deepEqual(a.blobs.map((b) => b.digest), [EMPTY_DESCRIPTOR.digest, SBOM_DIGEST]);
  deepEqual(a.blobs[0]!.bytes, EMPTY_JSON);
  equal(EMPTY_DESCRIPTOR.digest, sha256Digest("{}"));
  // Annotations are written (sorted) when given, and only then.
  const annotated = referrerArtifact(SBOM, {
    ...SUBJECT,
    platform: { os: "linux", architecture: "amd64" },
  }, {
    "z.key": "1",
    "a.key": "2",
  });
  deepEqual(annotated.manifest.annotations, { "z.key": "1", "a.key": "2" });
  equal(dec.decode(annotated.bytes).includes(`"annotations":{"a.key":"2","z.key":"1"}`), true);
  // The subject descriptor keeps only media type, size and digest.
  deepEqual(Object.keys(annotated.manifest.subject!), ["mediaType", "size", "digest"]);
});

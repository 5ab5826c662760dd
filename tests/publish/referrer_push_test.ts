import { deepEqual, equal } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import type { Descriptor } from "../../src/oci/descriptor.ts";
import { referrerArtifact } from "../../src/publish/attachment_artifact.ts";
import { referrerDescriptor, withReferrer } from "../../src/publish/referrer_push.ts";

const entry = (name: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  size: 100,
  digest: sha256Digest(name),
  artifactType: "text/spdx+json",
  ...extra,
});

Deno.test("withReferrer starts an empty OCI index when the fallback tag is absent", () => {
  deepEqual(withReferrer(undefined, entry("a")), {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [entry("a")],
  });
});

Deno.test("withReferrer appends new entries and keeps the existing ones and annotations", () => {
  const existing = {
    schemaVersion: 2 as const,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [entry("x", { artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" })],
    annotations: { kept: "yes" },
  };
  const next = withReferrer(existing, entry("a"))!;
  deepEqual(next.manifests.map((d) => d.digest), [sha256Digest("x"), sha256Digest("a")]);
  deepEqual(next.annotations, { kept: "yes" });
  deepEqual(existing.manifests.length, 1, "the input is not modified");
});

Deno.test("withReferrer is a no-op for an entry already listed, and replaces a changed one", () => {
  const index = withReferrer(undefined, entry("a"))!;
  equal(withReferrer(index, entry("a")), undefined);
  const changed = withReferrer(index, entry("a", { annotations: { k: "v" } }))!;
  deepEqual(changed.manifests, [entry("a", { annotations: { k: "v" } })]);
});

Deno.test("referrerDescriptor carries the artifact's type, digest and size", () => {
  const sbom = {
    mediaType: "application/vnd.cyclonedx+json",
    bytes: new TextEncoder().encode("{}"),
  };
  const a = referrerArtifact(sbom, entry("subject"));
  deepEqual(referrerDescriptor(a), {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    size: a.bytes.length,
    digest: a.digest,
    artifactType: "application/vnd.cyclonedx+json",
  });
  const annotated = referrerArtifact(sbom, entry("subject"), { "org.example": "1" });
  deepEqual(referrerDescriptor(annotated).annotations, { "org.example": "1" });
});

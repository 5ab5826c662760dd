import { deepEqual, equal, ok } from "node:assert/strict";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import type { Descriptor } from "../../src/oci/descriptor.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { parseRepository } from "../../src/oci/reference.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { referrerArtifact } from "../../src/publish/attachment_artifact.ts";
import {
  pushReferrer,
  referrerDescriptor,
  soleReferrerIndexDigest,
  withReferrer,
} from "../../src/publish/referrer_push.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { settledLogs } from "../helpers/registry_http.ts";
import { blobOf, clientFor } from "../registry/support.ts";

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

/** The requests in a slice of the registry's access log, as `METHOD kind` (manifest, blob…). */
function requests(log: string): string[] {
  return log.split("\n")
    .map((l) => /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+)/.exec(l))
    .filter((m) => m !== null)
    .map((m) => {
      const path = m![2]!;
      const kind = path.includes("/referrers/")
        ? "referrers"
        : path.includes("/blobs/")
        ? "blob"
        : path.includes("/manifests/sha256-")
        ? "fallback tag"
        : "manifest";
      return `${m![1]} ${kind}`;
    });
}

Deno.test("pushReferrer on a registry without the referrers API", async (t) => {
  await using registry = await startRegistry();
  const client = clientFor(registry);
  const repo = parseRepository(`${registry.host}/app`);
  try {
    const subjectImage = scratchImage();
    await client.uploadBlob(repo, blobOf(subjectImage.configBytes));
    await client.putManifest(
      repo,
      subjectImage.digest,
      subjectImage.manifestBytes,
      subjectImage.mediaType,
    );
    const subject: Descriptor = {
      mediaType: subjectImage.mediaType,
      size: subjectImage.manifestBytes.length,
      digest: subjectImage.digest,
    };
    const sbom = (text: string) =>
      referrerArtifact(
        { mediaType: "text/spdx+json", bytes: new TextEncoder().encode(text) },
        subject,
      );
    const first = sbom('{"spdxVersion":"SPDX-2.3"}');
    const since = async (fn: () => Promise<unknown>) => {
      const before = registry.logs().length;
      await fn();
      return requests((await settledLogs(registry)).slice(before));
    };

    await t.step("a first push writes the artifact and the fallback index", async () => {
      const sent = await since(async () =>
        equal(await pushReferrer(client, repo, first, LOG_ONLY), "fallback-tag")
      );
      ok(sent.includes("PUT manifest"), sent.join(", "));
      ok(sent.includes("PUT fallback tag"), sent.join(", "));
    });

    await t.step("pushing it again takes two HEADs and nothing else", async () => {
      const sent = await since(async () =>
        equal(await pushReferrer(client, repo, first, LOG_ONLY), "fallback-tag")
      );
      deepEqual(sent.sort(), ["HEAD fallback tag", "HEAD manifest"]);
    });

    await t.step("with other referrers listed, the index is read and left alone", async () => {
      await pushReferrer(client, repo, sbom('{"other":true}'), LOG_ONLY);
      const sent = await since(async () =>
        equal(await pushReferrer(client, repo, first, LOG_ONLY), "fallback-tag")
      );
      // The registry was found without the referrers API before: it is not asked again.
      deepEqual(sent.sort(), ["GET fallback tag", "HEAD fallback tag", "HEAD manifest"]);
      const index = await client.getManifest(repo, `sha256-${subject.digest.slice(7)}`);
      equal(JSON.parse(new TextDecoder().decode(index.bytes)).manifests.length, 2);
    });

    await t.step("a fallback index that lost the entry gets it back", async () => {
      const lone = sbom('{"lone":1}');
      await pushReferrer(client, repo, lone, LOG_ONLY);
      const tag = `sha256-${subject.digest.slice(7)}`;
      await client.putManifest(
        repo,
        tag,
        new TextEncoder().encode(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }),
        ),
        MediaType.OciIndex,
      );
      const sent = await since(async () =>
        equal(await pushReferrer(client, repo, lone, LOG_ONLY), "fallback-tag")
      );
      ok(sent.includes("PUT fallback tag"), sent.join(", "));
      const index = await client.getManifest(repo, tag);
      deepEqual(
        JSON.parse(new TextDecoder().decode(index.bytes)).manifests.map((d: Descriptor) =>
          d.digest
        ),
        [lone.digest],
      );
      equal(soleReferrerIndexDigest(referrerDescriptor(lone)), index.digest);
    });
  } finally {
    client.close();
  }
});

import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { makeIndex } from "../../src/image/image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { parseRepository } from "../../src/oci/reference.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { sbomAttachments, sbomSubjects } from "../../src/publish/sbom_push.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { captureLogs } from "../registry/support.ts";

const sbom = (s: string) => ({ mediaType: "text/spdx+json", bytes: new TextEncoder().encode(s) });
const amd64 = {
  ...scratchImage({ os: "linux", architecture: "amd64" }),
  attachments: { sbom: sbom("amd64") },
};
const arm64 = {
  ...scratchImage({ os: "linux", architecture: "arm64" }),
  attachments: { sbom: sbom("arm64") },
};
const bare = scratchImage({ os: "linux", architecture: "s390x" });

function index(children: Array<typeof bare>, withSbom: boolean) {
  const built = children.map((image) => ({
    image,
    descriptor: {
      mediaType: image.mediaType,
      size: image.manifestBytes.length,
      digest: image.digest,
    },
  }));
  const idx = makeIndex(
    { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: built.map((c) => c.descriptor) },
    built,
  );
  return withSbom ? { ...idx, attachments: { sbom: sbom("index") } } : idx;
}

Deno.test("sbomSubjects lists the index first, then children with an SBOM, in order", () => {
  const idx = index([amd64, bare, arm64], true);
  const subjects = sbomSubjects(idx);
  deepEqual(subjects.map((s) => s.subject.digest), [idx.digest, amd64.digest, arm64.digest]);
  deepEqual(subjects.map((s) => new TextDecoder().decode(s.sbom.bytes)), [
    "index",
    "amd64",
    "arm64",
  ]);
  deepEqual(subjects[0]!.subject, {
    mediaType: MediaType.OciIndex,
    size: idx.manifestBytes.length,
    digest: idx.digest,
  });
  // An index without its own document (go.version-m) still publishes its children's.
  deepEqual(sbomSubjects(index([amd64], false)).map((s) => s.subject.digest), [amd64.digest]);
  deepEqual(sbomSubjects(bare), []);
  equal(sbomSubjects(amd64).length, 1);
});

Deno.test("sbomAttachments touches no registry when there is nothing to publish", async () => {
  const push = sbomAttachments({
    client: () => {
      throw new Error("the client must not be created");
    },
  });
  for (const result of [bare, index([bare], false)]) {
    await push.blobs(parseRepository("127.0.0.1:1/app"), result, LOG_ONLY);
    for (const fresh of [true, false]) {
      await push.manifests(parseRepository("127.0.0.1:1/app"), result, LOG_ONLY, { fresh });
    }
  }
});

Deno.test("sbomAttachments rejects a bad COSIGN_REPOSITORY up front", () => {
  const client = () => ({}) as RegistryClient;
  throws(
    () => sbomAttachments({ client, cosignRepository: "Bad Repo" }),
    /^KoError: invalid COSIGN_REPOSITORY "Bad Repo": /,
  );
  throws(
    () => sbomAttachments({ client, cosignRepository: "ghcr.io" }),
    /invalid COSIGN_REPOSITORY "ghcr\.io": name a repository, not just a registry \(e\.g\. ghcr\.io\/signatures\)/,
  );
  sbomAttachments({ client, cosignRepository: "ghcr.io/me/sigs" });
});

Deno.test("sbomAttachments: a registry refusing every SBOM push gives one error, no warning repeating it", async () => {
  await using reg = await startRegistry({ mode: "plain" });
  const denied = JSON.stringify({ errors: [{ code: "DENIED", message: "no writes here" }] });
  await using proxy = await startFaultProxy(
    reg.host,
    (r) =>
      r.method === "PUT" && r.path.includes("/manifests/") ? { status: 403, body: denied } : "pass",
  );
  const client = new RegistryClient({
    keychain: () => Promise.resolve({}),
    retry: { baseDelayMs: 5, jitter: 0 },
  });
  const logs = captureLogs();
  try {
    const push = sbomAttachments({ client: () => client });
    const repo = parseRepository(`${proxy.host}/app`);
    // Pushed with a fresh image (blobs first), and for one the registry had already.
    await push.blobs(repo, amd64, LOG_ONLY);
    for (const fresh of [true, false]) {
      await rejects(
        push.manifests(repo, amd64, LOG_ONLY, { fresh }),
        /^KoError: writing sbom: /,
      );
    }
    deepEqual(logs.lines.filter((l) => l.includes("WARNING")), []);
  } finally {
    logs.restore();
    client.close();
  }
});

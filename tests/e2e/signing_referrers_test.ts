/**
 * Signatures and attestations as OCI 1.1 referrers, found by the real cosign v2: on a registry
 * with the referrers API (go-containerregistry's) and on one without (Debian's distribution,
 * through the `sha256-<hex>` fallback tag). With the `.sig` tag deleted, plain `cosign verify`
 * fails and `cosign verify --experimental-oci11` still verifies the image from its referrer.
 */
import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { join } from "node:path";
import { cosign, COSIGN_LOCAL_FLAGS, cosignBinary } from "../helpers/cosign.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { koOk } from "../helpers/ko_cli.ts";
import { startReferrersRegistry } from "../helpers/referrers_registry.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { type RegistryServer, startRegistry } from "../helpers/registry_server.ts";
import { tempDir } from "../helpers/tools.ts";
import { makeKeys, type SigningKeys } from "./signing_keys.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const OCI_ACCEPT =
  "application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json";

/** Builds and signs an image into `registry`; returns its repository path and digest. */
async function signedImage(
  registry: RegistryServer,
  dir: string,
  keys: SigningKeys,
): Promise<{ ref: string; repo: string; digest: string }> {
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(dir, "src"), {
    module: "example.com/referred",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const [ref] = await koOk(
    ["build", "--platform=linux/amd64", "--sign-key", keys.p256.key, "."],
    {
      cwd: src,
      env: { KO_DOCKER_REPO: `${registry.host}/referred`, KO_DEFAULTBASEIMAGE: bases.ociIndex.ref },
    },
  );
  const [name, digest] = ref!.split("@") as [string, string];
  return { ref: ref!, repo: name.slice(registry.host.length + 1), digest };
}

/**
 * Removes the `.sig` tag of `digest`: by tag where the registry can (go-containerregistry's),
 * else by the digest it points at (Debian's distribution refuses deletes by tag).
 */
async function deleteSignatureTag(registry: RegistryServer, repo: string, digest: string) {
  const tag = `${digest.replace(":", "-")}.sig`;
  const byTag = await registryFetch(registry, `/v2/${repo}/manifests/${tag}`, { method: "DELETE" });
  await byTag.body?.cancel();
  if (byTag.status !== 202) {
    const head = await registryFetch(registry, `/v2/${repo}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: OCI_ACCEPT },
    });
    equal(head.status, 200);
    const sigDigest = head.headers.get("docker-content-digest")!;
    const del = await registryFetch(registry, `/v2/${repo}/manifests/${sigDigest}`, {
      method: "DELETE",
    });
    equal(del.status, 202, await del.text());
  }
  const gone = await registryFetch(registry, `/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: { accept: OCI_ACCEPT },
  });
  equal(gone.status, 404);
}

async function checkFoundByReferrer(registry: RegistryServer, keys: SigningKeys, ref: string) {
  const [name, digest] = ref.split("@") as [string, string];
  await deleteSignatureTag(registry, name.slice(registry.host.length + 1), digest);
  const plain = await cosign(["verify", "--key", keys.p256.pub, ...COSIGN_LOCAL_FLAGS, ref]);
  notEqual(plain.code, 0);
  const oci11 = await cosign([
    "verify",
    "--key",
    keys.p256.pub,
    "--experimental-oci11",
    ...COSIGN_LOCAL_FLAGS,
    ref,
  ]);
  equal(oci11.code, 0, oci11.stderr);
  equal(JSON.parse(oci11.stdout)[0].critical.image["docker-manifest-digest"], digest);
  const wrong = await cosign([
    "verify",
    "--key",
    keys.ed25519.pub,
    "--experimental-oci11",
    ...COSIGN_LOCAL_FLAGS,
    ref,
  ]);
  notEqual(wrong.code, 0);
}

Deno.test("signatures and attestations are referrers cosign finds", async (t) => {
  await cosignBinary();
  await using tmp = await tempDir();
  const keys = await makeKeys(tmp.path);

  await t.step("a registry with the referrers API lists them", async () => {
    await using registry = await startReferrersRegistry();
    const { ref, repo, digest } = await signedImage(registry, join(tmp.path, "a"), keys);
    // This registry lists each referrer with its config media type as the artifact type.
    const listed: Json = await (await registryFetch(registry, `/v2/${repo}/referrers/${digest}`))
      .json();
    const kinds = await Promise.all(listed.manifests.map(async (d: Json) => {
      const m: Json = await (await registryFetch(registry, `/v2/${repo}/manifests/${d.digest}`, {
        headers: { accept: OCI_ACCEPT },
      })).json();
      equal(m.subject.digest, digest);
      return `${m.artifactType} ${m.annotations?.predicateType ?? ""}`.trim();
    }));
    deepEqual(kinds.sort(), [
      "application/vnd.dev.cosign.artifact.sig.v1+json",
      "application/vnd.in-toto+json https://slsa.dev/provenance/v1",
      "application/vnd.in-toto+json https://spdx.dev/Document",
      "text/spdx+json",
    ]);
    await checkFoundByReferrer(registry, keys, ref);
  });

  await t.step("a registry without it: the fallback tag", async () => {
    await using registry = await startRegistry();
    const { ref, repo, digest } = await signedImage(registry, join(tmp.path, "b"), keys);
    const fallback: Json = await (await registryFetch(
      registry,
      `/v2/${repo}/manifests/${digest.replace(":", "-")}`,
      { headers: { accept: OCI_ACCEPT } },
    )).json();
    match(
      JSON.stringify(fallback.manifests),
      /application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json/,
    );
    equal(fallback.manifests.length, 4);
    await checkFoundByReferrer(registry, keys, ref);
  });
});

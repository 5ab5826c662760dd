/**
 * `--push=false --oci-layout-path` with `--sign-key`: every image and index written into the
 * layout (each child too) gets its signature and attestations as OCI 1.1 referrers (listed in
 * `index.json` with their `subject`), which the real cosign verifies: `cosign verify-blob` for
 * the signed payload and `cosign verify-blob-attestation` for the DSSE envelopes, against the
 * subject's manifest bytes.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { cosign, cosignBinary } from "../helpers/cosign.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { koOk } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { tempDir } from "../helpers/tools.ts";
import { makeKeys } from "./signing_keys.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a signed layout carries verifiable signature and attestation referrers", async () => {
  await cosignBinary();
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const keys = await makeKeys(tmp.path);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/laidout",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const layout = join(tmp.path, "layout");
  const out = await koOk([
    "build",
    "--push=false",
    "--oci-layout-path",
    layout,
    "--platform=linux/amd64,linux/arm64",
    "--sign-key",
    keys.encrypted.key,
    ".",
  ], {
    cwd: src,
    env: { KO_DEFAULTBASEIMAGE: bases.ociIndex.ref, COSIGN_PASSWORD: keys.password },
  });
  const indexDigest = out[0]!.split("@")[1]!;
  const blob = (digest: string) => join(layout, "blobs", "sha256", digest.slice(7));
  const readJson = async (digest: string): Promise<Json> =>
    JSON.parse(await Deno.readTextFile(blob(digest)));
  const index: Json = await readJson(indexDigest);
  const subjects = [indexDigest, ...index.manifests.map((m: Json) => m.digest)];

  const entries: Json[] = JSON.parse(await Deno.readTextFile(join(layout, "index.json"))).manifests;
  const referrers = await Promise.all(
    entries.filter((e) => e.artifactType !== undefined && e.digest !== indexDigest).map(
      async (e) => ({ entry: e, manifest: await readJson(e.digest) }),
    ),
  );
  for (const subject of subjects) {
    const mine = referrers.filter((r) => r.manifest.subject?.digest === subject);
    deepEqual(
      mine.map((r) => r.entry.artifactType).sort(),
      [
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "application/vnd.in-toto+json",
        "application/vnd.in-toto+json",
      ],
      subject,
    );
    // The signature: cosign verify-blob over the simple-signing payload.
    const sig = mine.find((r) => r.entry.artifactType.includes("cosign"))!.manifest.layers[0];
    const payload = JSON.parse(await Deno.readTextFile(blob(sig.digest)));
    equal(payload.critical.image["docker-manifest-digest"], subject);
    const sigFile = join(tmp.path, "sig.b64");
    await Deno.writeTextFile(sigFile, sig.annotations["dev.cosignproject.cosign/signature"]);
    const v = await cosign([
      "verify-blob",
      "--key",
      keys.encrypted.pub,
      "--signature",
      sigFile,
      "--insecure-ignore-tlog=true",
      blob(sig.digest),
    ]);
    equal(v.code, 0, v.stderr);
    // The attestations: cosign verify-blob-attestation, the subject being the manifest bytes.
    for (
      const [type, predicateType] of [
        ["slsaprovenance1", "https://slsa.dev/provenance/v1"],
        ["spdxjson", "https://spdx.dev/Document"],
      ]
    ) {
      const att = mine.find((r) => r.entry.annotations?.predicateType === predicateType);
      ok(att, `${subject}: no ${predicateType} referrer`);
      const r = await cosign([
        "verify-blob-attestation",
        "--key",
        keys.encrypted.pub,
        "--signature",
        blob(att.manifest.layers[0].digest),
        "--type",
        type!,
        "--insecure-ignore-tlog=true",
        blob(subject),
      ]);
      equal(r.code, 0, `${subject} ${type}: ${r.stderr}`);
    }
  }
  // The wrong key fails.
  const sig = referrers.find((r) =>
    r.manifest.subject?.digest === indexDigest && r.entry.artifactType.includes("cosign")
  )!;
  const sigFile = join(tmp.path, "sig.b64");
  await Deno.writeTextFile(
    sigFile,
    sig.manifest.layers[0].annotations["dev.cosignproject.cosign/signature"],
  );
  const wrong = await cosign([
    "verify-blob",
    "--key",
    keys.p256.pub,
    "--signature",
    sigFile,
    "--insecure-ignore-tlog=true",
    blob(sig.manifest.layers[0].digest),
  ]);
  equal(wrong.code === 0, false);
});

/**
 * ko's SBOMs as cosign reads them: `cosign download sbom` (cosign v2, built by
 * scripts/install-cosign.sh) finds the SPDX document of an index and of one of its children,
 * and a CycloneDX one, in images pushed to the real registry. cosign is built on first use
 * (tests/helpers/cosign.ts; ~10 min on 2 cores when cold, then kept in the test cache).
 */
import { equal, match } from "node:assert/strict";
import { join } from "node:path";
import { cosignBinary } from "../helpers/cosign.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { koOk } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("cosign download sbom finds the SBOMs ko pushes", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/cosigned",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const build = async (args: string[]) =>
    (await koOk(["build", ...args, "."], {
      cwd: src,
      env: { KO_DOCKER_REPO: `${registry.host}/cosign`, KO_DEFAULTBASEIMAGE: bases.ociIndex.ref },
    }))[0]!;
  const download = async (ref: string, ...extra: string[]) => {
    const r = await runOk(await cosignBinary(), [
      "download",
      "sbom",
      "--allow-insecure-registry",
      ...extra,
      ref,
    ]);
    return { doc: JSON.parse(r.stdout) as Json, stderr: r.stderr };
  };

  await t.step("SPDX for an index and for its arm64 child", async () => {
    const ref = await build(["--platform=linux/amd64,linux/arm64"]);
    const index = await download(ref);
    match(index.stderr, /Found SBOM of media type: text\/spdx\+json/);
    equal(index.doc.spdxVersion, "SPDX-2.3");
    equal(index.doc.name, `sbom-${ref.split("@")[1]}`);
    const child = await download(ref, "--platform", "linux/arm64");
    equal(child.doc.spdxVersion, "SPDX-2.3");
    match(child.doc.name, /^sbom-sha256:[0-9a-f]{64}$/);
    equal(child.doc.name === index.doc.name, false);
  });

  await t.step("CycloneDX for a single image", async () => {
    const ref = await build(["--platform=linux/amd64", "--sbom=cyclonedx"]);
    const { doc, stderr } = await download(ref);
    match(stderr, /Found SBOM of media type: application\/vnd\.cyclonedx\+json/);
    equal(doc.bomFormat, "CycloneDX");
  });
});

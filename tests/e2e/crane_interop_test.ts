/**
 * Interop with go-containerregistry, the library ko itself is built on, through its CLI
 * crane (built by scripts/install-crane.sh): what we push to a real registry (Debian's) and
 * write as a tarball must read back there. `crane validate` fetches every blob and checks
 * each digest and size, each layer's diff_id against the config and the config against the
 * manifest; `crane export` flattens the filesystem as a runtime would see it.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { crane } from "../helpers/crane.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { koOk } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("crane reads and validates what ko pushes and writes", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/interop",
    files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hello from kodata\n" },
  });
  const repo = `${registry.host}/interop`;
  const build = (args: string[], base: string) =>
    koOk(["build", ...args, "."], {
      cwd: src,
      env: { KO_DOCKER_REPO: repo, KO_DEFAULTBASEIMAGE: base },
    });

  await t.step("a two-platform index on an OCI index base, with SBOMs", async () => {
    const [ref] = await build(
      ["--platform=linux/amd64,linux/arm64", "-t", "v1"],
      bases.ociIndex.ref,
    );
    match(ref!, /^127\.0\.0\.1:\d+\/interop\/interop-[0-9a-f]{32}:v1@sha256:[0-9a-f]{64}$/);
    match((await crane(["validate", "--insecure", "--remote", ref!])).stdout, /^PASS: /);

    const index: Json = JSON.parse((await crane(["manifest", "--insecure", ref!])).stdout);
    equal(index.mediaType, "application/vnd.oci.image.index.v1+json");
    deepEqual(index.manifests.map((m: Json) => `${m.platform.os}/${m.platform.architecture}`), [
      "linux/amd64",
      "linux/arm64",
    ]);

    const config: Json = JSON.parse(
      (await crane(["config", "--insecure", "--platform", "linux/arm64", ref!])).stdout,
    );
    equal(config.architecture, "arm64");
    deepEqual(config.config.Entrypoint, ["/ko-app/interop"]);
    ok(config.config.Env.includes("KO_DATA_PATH=/var/run/ko"));

    const fs = join(tmp.path, "arm64-fs.tar");
    await crane(["export", "--insecure", "--platform", "linux/arm64", ref!, fs]);
    // Entry names as ko writes them (Go archive/tar parity): files rooted, `/ko-app/<name>`.
    const files = (await runOk("tar", ["-tf", fs])).stdout.split("\n");
    ok(files.includes("/ko-app/interop"), files.join(" "));
    const hello = await runOk("tar", ["-xOf", fs, "/var/run/ko/hello.txt"]);
    equal(hello.stdout, "hello from kodata\n");

    // ko's cosign-style SBOM tag for the index: one SPDX layer.
    const hex = ref!.split("@sha256:")[1];
    const name = ref!.split(":v1@")[0];
    const sbom: Json = JSON.parse(
      (await crane(["manifest", "--insecure", `${name}:sha256-${hex}.sbom`])).stdout,
    );
    equal(sbom.layers.length, 1);
    equal(sbom.layers[0].mediaType, "text/spdx+json");
    const doc: Json = JSON.parse(
      (await crane(["blob", "--insecure", `${name}@${sbom.layers[0].digest}`])).stdout,
    );
    equal(doc.spdxVersion, "SPDX-2.3");
  });

  await t.step("a Docker schema 2 image on a Docker base", async () => {
    const [ref] = await build(["--sbom=none"], bases.dockerImage.ref);
    match((await crane(["validate", "--insecure", "--remote", ref!])).stdout, /^PASS: /);
    const manifest: Json = JSON.parse((await crane(["manifest", "--insecure", ref!])).stdout);
    equal(manifest.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    for (const layer of manifest.layers) {
      equal(layer.mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    }
  });

  await t.step("a --tarball file", async () => {
    const tarball = join(tmp.path, "image.tar");
    await build(["--push=false", "--tarball", tarball], bases.dockerImage.ref);
    match((await crane(["validate", "--tarball", tarball])).stdout, /^PASS: /);
  });
});

/**
 * Compatibility bar: our SPDX documents are byte-identical to real ko's. The files under
 * tests/testdata/sbom/ko were written by ko v0.19.1 (built from its module source,
 * `ko build -B --sbom-dir=…`) for the fixture app in tests/testdata/sbom/app, onto the fixture
 * bases of tests/helpers/fixtures.ts in a local registry: a single OCI image, a Docker image
 * on a base given by digest, an OCI index (linux/amd64 + linux/arm/v7) and a Docker manifest
 * list (`--platform=all`). ko-results.json records what ko pushed (manifests, configs) and
 * go-version-m.txt the `go version -m` text of the binary it packaged; from those recorded
 * inputs we must produce exactly ko's bytes. ko built from source reports version `(devel)`.
 */
import { equal } from "node:assert/strict";
import { parseGoVersionM } from "../../src/go/build_info.ts";
import { imageSpdx, indexSpdx } from "../../src/sbom/spdx.ts";
import { baseImageFromAnnotations } from "../../src/sbom/sbom_inputs.ts";
import type { Descriptor } from "../../src/oci/descriptor.ts";
import { sbomFileName } from "../../src/sbom/sbom.ts";

const KO_DIR = new URL("../testdata/sbom/ko/", import.meta.url);
const KO_VERSION = "(devel)";

interface Manifest {
  mediaType: string;
  annotations?: Record<string, string>;
  manifests?: Descriptor[];
}
interface Config {
  created?: string;
}
interface Recorded {
  digest: string;
  manifest: Manifest;
  config?: Config;
  children?: { descriptor: Descriptor; manifest: Manifest; config: Config }[];
}

const results = JSON.parse(
  await Deno.readTextFile(new URL("ko-results.json", KO_DIR)),
) as Record<string, Recorded>;
const buildInfo = parseGoVersionM(await Deno.readTextFile(new URL("go-version-m.txt", KO_DIR)));
const koFile = (dir: string, name: string) => Deno.readTextFile(new URL(`${dir}/${name}`, KO_DIR));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const name of ["oci-image", "docker-image"]) {
  Deno.test(`imageSpdx equals ko's SBOM byte for byte: ${name}`, async () => {
    const r = results[name]!;
    const ours = imageSpdx({
      digest: r.digest,
      mediaType: r.manifest.mediaType,
      created: r.config!.created,
      base: baseImageFromAnnotations(r.manifest.annotations),
      buildInfo,
      toolVersion: KO_VERSION,
    });
    equal(text(ours), await koFile(name, "App-linux-amd64.spdx.json"));
  });
}

for (const name of ["oci-index", "docker-list"]) {
  Deno.test(`indexSpdx and per-platform SBOMs equal ko's byte for byte: ${name}`, async () => {
    const r = results[name]!;
    const children = r.children!;
    const ours = indexSpdx({
      digest: r.digest,
      mediaType: r.manifest.mediaType,
      created: children[0]!.config.created,
      base: baseImageFromAnnotations(r.manifest.annotations),
      children: children.map((c) => c.descriptor),
      toolVersion: KO_VERSION,
    });
    equal(text(ours), await koFile(name, "App-index.spdx.json"));
    for (const c of children) {
      const child = imageSpdx({
        digest: c.descriptor.digest,
        mediaType: c.manifest.mediaType,
        created: c.config.created,
        base: baseImageFromAnnotations(c.manifest.annotations),
        buildInfo,
        toolVersion: KO_VERSION,
      });
      const file = sbomFileName("App", c.descriptor.platform!, "spdx");
      equal(text(child), await koFile(name, file), file);
    }
  });
}

import { deepEqual, equal, rejects } from "node:assert/strict";
import { parseGoVersionM } from "../../src/go/build_info.ts";
import { readBuildInfo } from "../../src/go/read_build_info.ts";
import {
  dependencyTree,
  imageSbom,
  indexSbom,
  isSbomFormat,
  SBOM_FORMATS,
  sbomFileName,
  writeSbomFile,
} from "../../src/sbom/sbom.ts";
import type { ImageSbomInputs, IndexSbomInputs } from "../../src/sbom/sbom_inputs.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { setLogSink } from "../../src/util/log.ts";
import { buildFixtureApp } from "./fixture_app.ts";
import { cycloneDxSchemaErrors, spdxSchemaErrors } from "./schema_validator.ts";
import { golden, IMAGE_INPUTS, INDEX_INPUTS } from "./sbom_fixtures.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("a real Go binary yields valid SPDX, CycloneDX and go.version-m SBOMs", async () => {
  const built = await buildFixtureApp();
  try {
    const buildInfo = await readBuildInfo(built.binary, "/ko-app/app");
    const image: ImageSbomInputs = {
      digest: sha256Digest("real image"),
      mediaType: MediaType.OciManifest,
      created: "2025-01-02T03:04:05Z",
      base: { name: "cgr.dev/chainguard/static:latest", digest: sha256Digest("real base") },
      buildInfo,
      toolVersion: "0.1.0",
    };
    const index: IndexSbomInputs = {
      digest: sha256Digest("real index"),
      mediaType: MediaType.OciIndex,
      created: image.created,
      base: image.base,
      children: [{
        digest: image.digest,
        mediaType: image.mediaType,
        platform: { os: "linux", architecture: "amd64" },
      }],
      toolVersion: "0.1.0",
    };

    const spdx = imageSbom("spdx", image)!;
    equal(spdx.mediaType, "text/spdx+json");
    const spdxDoc = JSON.parse(text(spdx.bytes));
    deepEqual(await spdxSchemaErrors(spdxDoc), []);
    const names = spdxDoc.packages.map((p: { name: string }) => p.name);
    deepEqual(names.slice(2), [
      "example.com/sbomtest/App",
      "example.com/Org/Upper/v2",
      "example.com/dep",
      "example.com/lib",
    ]);
    equal(
      spdxDoc.packages[5].checksums[0].checksumValue,
      "d07b6d07c029d505c5f450226565a853d567153c431ef87accbb8ca137a5b140",
    );

    const cdx = imageSbom("cyclonedx", image)!;
    equal(cdx.mediaType, "application/vnd.cyclonedx+json");
    const cdxDoc = JSON.parse(text(cdx.bytes));
    deepEqual(await cycloneDxSchemaErrors(cdxDoc), []);
    const goarch = cdxDoc.components[1].properties.find((p: { name: string }) =>
      p.name === "cdx:gomod:build:env:GOARCH"
    );
    equal(goarch.value, "amd64");

    const gvm = imageSbom("go.version-m", image)!;
    equal(gvm.mediaType, "application/vnd.go.version-m");
    equal(text(gvm.bytes), buildInfo.text);
    equal(text(gvm.bytes).startsWith("/ko-app/app: go"), true);

    equal(imageSbom("none", image), undefined);

    deepEqual(await spdxSchemaErrors(JSON.parse(text(indexSbom("spdx", index)!.bytes))), []);
    deepEqual(
      await cycloneDxSchemaErrors(JSON.parse(text(indexSbom("cyclonedx", index)!.bytes))),
      [],
    );
    equal(indexSbom("go.version-m", index), undefined);
    equal(indexSbom("none", index), undefined);

    equal(
      dependencyTree(buildInfo),
      "example.com/sbomtest/App (devel)\n" +
        "  example.com/Org/Upper/v2 v2.1.0 => ./upper (devel)\n" +
        "  example.com/dep v0.0.0 => ./dep (devel)\n" +
        "  example.com/lib v1.0.0 h1:0HttB8Ap1QXF9FAiZWWoU9VnFTxDHvh6zLuMoTelsUA=\n",
    );
  } finally {
    await built.cleanup();
  }
});

Deno.test("SBOMs of the same inputs are identical", () => {
  for (const f of SBOM_FORMATS) {
    deepEqual(imageSbom(f, IMAGE_INPUTS), imageSbom(f, IMAGE_INPUTS));
    deepEqual(indexSbom(f, INDEX_INPUTS), indexSbom(f, INDEX_INPUTS));
  }
});

Deno.test("dependencyTree matches its golden rendering", async () => {
  const tree = new TextEncoder().encode(dependencyTree(IMAGE_INPUTS.buildInfo));
  equal(text(tree), await golden("image.deps.txt", tree));
  equal(dependencyTree(parseGoVersionM("")), "");
});

Deno.test("SBOM formats, media types and --sbom-dir file names follow ko", () => {
  deepEqual(SBOM_FORMATS, ["spdx", "cyclonedx", "go.version-m", "none"]);
  equal(isSbomFormat("cyclonedx"), true);
  equal(isSbomFormat("SPDX"), false);
  const armv7 = { os: "linux", architecture: "arm", variant: "v7" };
  equal(
    sbomFileName("test", { os: "linux", architecture: "amd64" }, "spdx"),
    "test-linux-amd64.spdx.json",
  );
  equal(sbomFileName("test", armv7, "spdx"), "test-linux-arm-v7.spdx.json");
  equal(
    sbomFileName(
      "app",
      { os: "windows", architecture: "amd64", "os.version": "10.0.20348" },
      "cyclonedx",
    ),
    "app-windows-amd64-10.0.20348.cyclonedx.json",
  );
  equal(sbomFileName("test", armv7, "go.version-m"), "test-linux-arm-v7.go.version-m");
  equal(sbomFileName("test", "index", "spdx"), "test-index.spdx.json");
});

Deno.test("writeSbomFile says when --sbom-dir is a file or under one", async () => {
  const root = await Deno.makeTempDir({ prefix: "ko-sbom-dir-" });
  const restore = setLogSink(() => {});
  try {
    await Deno.writeTextFile(`${root}/file`, "");
    const bytes = new Uint8Array([1]);
    // Before: "File exists (os error 17): mkdir '…'" and "Not a directory (os error 20)".
    await rejects(() => writeSbomFile(`${root}/file`, "x.spdx.json", bytes), {
      name: "KoError",
      message: `writing SBOM to ${root}/file/x.spdx.json: --sbom-dir ${root}/file is a file, ` +
        "not a directory",
    });
    await rejects(() => writeSbomFile(`${root}/file/sub`, "x.spdx.json", bytes), {
      name: "KoError",
      message: `writing SBOM to ${root}/file/sub/x.spdx.json: --sbom-dir ${root}/file/sub is ` +
        "under a file, not a directory",
    });
  } finally {
    restore();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeSbomFile creates the directory, writes mode 0644 and logs the path", async () => {
  const root = await Deno.makeTempDir({ prefix: "ko-sbom-dir-" });
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const bytes = imageSbom("spdx", IMAGE_INPUTS)!.bytes;
    const path = await writeSbomFile(`${root}/a/b/`, "test-linux-amd64.spdx.json", bytes);
    equal(path, `${root}/a/b/test-linux-amd64.spdx.json`);
    deepEqual(await Deno.readFile(path), bytes);
    equal((await Deno.stat(path)).mode! & 0o777, 0o644);
    equal(lines.length, 1);
    equal(lines[0]!.endsWith(` Writing SBOM to ${path}`), true, lines[0]);
  } finally {
    restore();
    await Deno.remove(root, { recursive: true });
  }
});

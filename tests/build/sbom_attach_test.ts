/**
 * SbomMaker on real inputs: a Go binary built by the real toolchain (offline) packed on the
 * scratch image, its build info read with the real `go version -m`.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { SbomMaker, type SbomSettings } from "../../src/build/sbom_attach.ts";
import { readBuildInfo } from "../../src/go/read_build_info.ts";
import { type Image, type ImageIndex, makeIndex } from "../../src/image/image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { mutateImage } from "../../src/image/mutate.ts";
import type { Platform } from "../../src/oci/descriptor.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { setLogSink } from "../../src/util/log.ts";
import { goBuildFixture, tempDir } from "../helpers/tools.ts";
import { spdxSchemaErrors } from "../sbom/schema_validator.ts";

const MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n';
const dec = new TextDecoder();

/** The image with the SBOM a fresh maker makes for it. */
function attachImageSbom(
  img: Image,
  input: Parameters<SbomMaker["image"]>[1],
  settings: SbomSettings,
): Promise<Image> {
  return new SbomMaker(settings).image(img, input);
}

/** The index with the SBOM a fresh maker makes for it. */
function attachIndexSbom(index: ImageIndex, importPath: string, settings: SbomSettings) {
  return new SbomMaker(settings).index(index, importPath);
}

function withAnnotations(img: Image, annotations: Record<string, string>): Image {
  return mutateImage(img, { layers: [], annotations });
}

Deno.test("SbomMaker attaches documents, writes --sbom-dir files and keeps digests", async (t) => {
  await using tmp = await tempDir();
  const logged: string[] = [];
  using _restore = { [Symbol.dispose]: setLogSink((line) => logged.push(line)) };
  const binary = await goBuildFixture(tmp.path, MAIN, { name: "app" });
  const buildInfo = await readBuildInfo(binary, "/ko-app/app");
  const info = (platform: Platform = { os: "linux", architecture: "amd64" }) => ({
    importPath: "example.com/app",
    platform,
    appName: "app",
    buildInfo,
  });
  const base = withAnnotations(scratchImage(), {
    "org.opencontainers.image.base.name": "cgr.dev/chainguard/static:latest",
    "org.opencontainers.image.base.digest": `sha256:${"a".repeat(64)}`,
  });

  await t.step("--sbom=none makes no maker, and says that --sbom-dir goes unused", () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    try {
      equal(SbomMaker.forFormat("none", "/x"), undefined);
      equal(SbomMaker.forFormat("none"), undefined);
    } finally {
      restore();
    }
    deepEqual(lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
      "WARNING: --sbom-dir /x is ignored: --sbom=none makes no SBOM to write",
    ]);
    ok(SbomMaker.forFormat("spdx") instanceof SbomMaker);
  });

  let amd64: Image;
  await t.step("an image gets its SPDX document; the image itself is unchanged", async () => {
    const dir = join(tmp.path, "sboms");
    amd64 = await attachImageSbom(base, info(), {
      format: "spdx",
      sbomDir: dir,
      toolVersion: "test",
    });
    equal(amd64.digest, base.digest);
    deepEqual(amd64.manifestBytes, base.manifestBytes);
    equal(amd64.attachments?.sbom?.mediaType, "text/spdx+json");
    const doc = JSON.parse(dec.decode(amd64.attachments!.sbom!.bytes));
    deepEqual(await spdxSchemaErrors(doc), []);
    equal(doc.name, `sbom-${base.digest}`);
    deepEqual(doc.creationInfo.creators, ["Tool: ko test"]);
    // The base from the annotations, the main module from go version -m.
    ok(
      doc.packages.some((p: { versionInfo?: string }) =>
        p.versionInfo === "cgr.dev/chainguard/static:latest"
      ),
    );
    ok(doc.packages.some((p: { name: string }) => p.name === "example.com/app"));
    deepEqual(
      await Deno.readFile(join(dir, "app-linux-amd64.spdx.json")),
      amd64.attachments!.sbom!.bytes,
    );
  });

  await t.step("file names follow ko: / and : become -", async () => {
    const dir = join(tmp.path, "names");
    await attachImageSbom(
      base,
      info({ os: "linux", architecture: "arm", variant: "v7" }),
      {
        format: "cyclonedx",
        sbomDir: dir,
      },
    );
    await attachImageSbom(
      base,
      info({ os: "windows", architecture: "amd64", "os.version": "10.0.20348.1" }),
      { format: "go.version-m", sbomDir: dir },
    );
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "app-linux-arm-v7.cyclonedx.json",
      "app-windows-amd64-10.0.20348.1.go.version-m",
    ]);
  });

  await t.step("go.version-m is the go version -m text with the binary at /ko-app", async () => {
    const img = await attachImageSbom(base, info(), { format: "go.version-m" });
    equal(img.attachments?.sbom?.mediaType, "application/vnd.go.version-m");
    match(dec.decode(img.attachments!.sbom!.bytes), /^\/ko-app\/app: go1\.\d+/);
  });

  await t.step("an index child without a platform is named by its config's", async () => {
    const armv7 = scratchImage({ os: "linux", architecture: "arm", variant: "v7" });
    const children = [amd64, armv7].map((image, i) => ({
      image,
      descriptor: {
        mediaType: image.mediaType,
        size: image.manifestBytes.length,
        digest: image.digest,
        // The base index listed the second child without a platform (ko builds it anyway).
        ...(i === 0 ? { platform: { os: "linux", architecture: "amd64" } } : {}),
      },
    }));
    const index = makeIndex({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((c) => c.descriptor),
    }, children);
    const withDoc = await attachIndexSbom(index, "example.com/app", { format: "spdx" });
    const doc = JSON.parse(dec.decode(withDoc.attachments!.sbom!.bytes));
    const pkg = doc.packages.find((p: { name: string }) => p.name === armv7.digest);
    equal(pkg.versionInfo, "linux/arm/v7");
    equal(
      pkg.externalRefs[0].referenceLocator,
      `pkg:oci/image@${armv7.digest}?arch=arm&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux&variant=v7`,
    );
    deepEqual(await spdxSchemaErrors(doc), []);
  });

  await t.step("the scratch base is named nowhere in the document", async () => {
    const onScratch = withAnnotations(scratchImage(), {
      "org.opencontainers.image.base.name": "scratch",
      "org.opencontainers.image.base.digest": scratchImage().digest,
    });
    const img = await attachImageSbom(onScratch, info(), { format: "spdx" });
    const doc = JSON.parse(dec.decode(img.attachments!.sbom!.bytes));
    equal(
      doc.relationships.filter((r: { relationshipType: string }) =>
        r.relationshipType === "DESCENDANT_OF"
      ).length,
      0,
    );
  });

  await t.step("an index gets its document from its children; go.version-m has none", async () => {
    const arm64 = await attachImageSbom(
      mutateImage(base, {
        layers: [],
        editConfig: (c) => void (c.created = "2024-05-06T07:08:09Z"),
      }),
      info({ os: "linux", architecture: "arm64" }),
      { format: "spdx" },
    );
    const children = [amd64, arm64].map((image, i) => ({
      image,
      descriptor: {
        mediaType: image.mediaType,
        size: image.manifestBytes.length,
        digest: image.digest,
        platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
      },
    }));
    const index = makeIndex({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((c) => c.descriptor),
      annotations: base.manifest.annotations!,
    }, children);
    const dir = join(tmp.path, "index");
    const withDoc = await attachIndexSbom(index, "example.com/app", {
      format: "spdx",
      sbomDir: dir,
    });
    equal(withDoc.digest, index.digest);
    const doc = JSON.parse(dec.decode(withDoc.attachments!.sbom!.bytes));
    deepEqual(await spdxSchemaErrors(doc), []);
    equal(
      doc.relationships.filter((r: { relationshipType: string }) =>
        r.relationshipType === "VARIANT_OF"
      ).length,
      2,
    );
    // The first child's created: amd64's (the scratch zero time), not arm64's.
    equal(doc.creationInfo.created, "0001-01-01T00:00:00Z");
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["app-index.spdx.json"]);
    const none = await attachIndexSbom(index, "example.com/app", { format: "go.version-m" });
    equal(none.attachments, undefined);
  });

  await t.step(
    "two import paths with one --sbom-dir file name: the replacement is warned",
    async () => {
      const dir = join(tmp.path, "same-name");
      const maker = SbomMaker.forFormat("spdx", dir)!;
      logged.length = 0;
      await maker.image(base, info());
      await maker.image(base, info()); // the same import path again: nothing replaced
      equal(logged.filter((l) => l.includes("WARNING")).length, 0);
      await maker.image(base, { ...info(), importPath: "example.com/tools/app" });
      // Before: the second SBOM replaced the first without a word.
      const warnings = logged.filter((l) => l.includes("WARNING"));
      equal(warnings.length, 1);
      match(
        warnings[0]!,
        /WARNING: --sbom-dir: app-linux-amd64\.spdx\.json was written for example\.com\/app; the SBOM of example\.com\/tools\/app, which has the same name, replaces it/,
      );
      // Another run starts afresh.
      logged.length = 0;
      await SbomMaker.forFormat("spdx", dir)!.image(base, info());
      equal(logged.filter((l) => l.includes("WARNING")).length, 0);
    },
  );

  await t.step("a missing go command is a clear error when the binary needs it", async () => {
    // The build info of an ordinary Go binary is read from the file; anything else goes to
    // `go version -m`.
    const notGo = join(tmp.path, "not-go");
    await Deno.writeTextFile(notGo, "#!/bin/sh\n");
    await rejects(
      readBuildInfo(notGo, "/ko-app/app", { go: join(tmp.path, "no-go") }),
      /go command ".*no-go" not found: install Go or set KO_GO_PATH/,
    );
    const read = await readBuildInfo(binary, "/ko-app/app", { go: join(tmp.path, "no-go") });
    equal(read.path, buildInfo.path);
  });
});

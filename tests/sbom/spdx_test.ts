import { deepEqual, equal, throws } from "node:assert/strict";
import { parseGoVersionM } from "../../src/go/build_info.ts";
import { imageSpdx, indexSpdx, modulePackageId } from "../../src/sbom/spdx.ts";
import {
  baseImageFromAnnotations,
  type ImageSbomInputs,
  sbomTimestamp,
} from "../../src/sbom/sbom_inputs.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { KoError } from "../../src/util/errors.ts";
import { goCheck } from "./gocheck.ts";
import { spdxSchemaErrors } from "./schema_validator.ts";
import { golden, IMAGE_INPUTS, INDEX_INPUTS } from "./sbom_fixtures.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Doc {
  packages: {
    SPDXID: string;
    name: string;
    versionInfo?: string;
    checksums?: { checksumValue: string }[];
    externalRefs: { referenceLocator: string }[];
  }[];
  relationships?: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  [k: string]: unknown;
}

Deno.test("imageSpdx matches the golden document byte for byte", async () => {
  const out = imageSpdx(IMAGE_INPUTS);
  equal(text(out), await golden("image.spdx.json", out));
});

Deno.test("indexSpdx matches the golden document byte for byte", async () => {
  const out = indexSpdx(INDEX_INPUTS);
  equal(text(out), await golden("index.spdx.json", out));
});

Deno.test("SPDX documents survive a round trip through Go structs unchanged", async () => {
  // Decoding into Go structs with ko's field order and omitempty rules, then encoding with
  // Go's indenting, HTML-escaping encoder must give back exactly our bytes.
  for (const out of [imageSpdx(IMAGE_INPUTS), indexSpdx(INDEX_INPUTS)]) {
    equal(text(out), await goCheck("spdx", text(out)));
  }
});

Deno.test("SPDX documents are valid against the SPDX 2.3 JSON schema", async () => {
  const docs = [
    imageSpdx(IMAGE_INPUTS),
    indexSpdx(INDEX_INPUTS),
    imageSpdx({ ...IMAGE_INPUTS, base: undefined, buildInfo: parseGoVersionM("") }),
    indexSpdx({ ...INDEX_INPUTS, base: undefined, children: [] }),
  ];
  for (const d of docs) deepEqual(await spdxSchemaErrors(JSON.parse(text(d))), []);
});

Deno.test("the schema check rejects a broken SPDX document", async () => {
  const doc = JSON.parse(text(imageSpdx(IMAGE_INPUTS)));
  delete doc.packages[0].downloadLocation;
  doc.packages[1].primaryPackagePurpose = "NOT_A_PURPOSE";
  equal((await spdxSchemaErrors(doc)).length >= 2, true);
});

Deno.test("imageSpdx describes image, base, main module and dependencies in ko's shape", () => {
  const doc = JSON.parse(text(imageSpdx(IMAGE_INPUTS))) as Doc;
  const hex = IMAGE_INPUTS.digest.slice(7);
  const imageId = `SPDXRef-Package-sha256-${hex}`;
  equal(doc.name, `sbom-sha256:${hex}`);
  equal(doc.documentNamespace, `http://spdx.org/spdxdocs/ko/sha256:${hex}`);
  deepEqual(doc.documentDescribes, [imageId]);
  deepEqual(doc.creationInfo, { created: "2024-05-06T07:08:09Z", creators: ["Tool: ko 0.1.0"] });
  deepEqual(doc.packages.map((p) => p.name), [
    `sha256:${hex}`,
    `cgr.dev/chainguard/static@${IMAGE_INPUTS.base!.digest}`,
    "example.com/app",
    "github.com/Google/go-containerregistry",
    "golang.org/x/sys",
    "example.com/forked",
    "example.com/local",
    "example.com/nosum",
  ]);
  const [image, base, main, ggcr, , forked, , nosum] = doc.packages;
  equal(
    image!.externalRefs[0]!.referenceLocator,
    `pkg:oci/image@sha256:${hex}?mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson`,
  );
  equal(base!.versionInfo, "cgr.dev/chainguard/static:latest");
  equal(
    base!.externalRefs[0]!.referenceLocator,
    `pkg:oci/image@${
      IMAGE_INPUTS.base!.digest
    }?repository_url=cgr.dev%2Fchainguard%2Fstatic&tag=latest`,
  );
  equal(main!.SPDXID, "SPDXRef-Package-example.com.app-(devel)");
  equal(main!.versionInfo, undefined);
  equal(main!.checksums, undefined);
  equal(ggcr!.SPDXID, "SPDXRef-Package-github.com.Google.go-containerregistry-v0.20.2");
  equal(
    ggcr!.externalRefs[0]!.referenceLocator,
    "pkg:golang/github.com/google/go-containerregistry@v0.20.2?type=module",
  );
  equal(
    ggcr!.checksums![0]!.checksumValue,
    "075c0f27548dfd2ee907e6408a671c8950feafec95fe5fc3480accc656f0b1ea",
  );
  // A replaced module keeps its own path and version; its sum is on the replacement.
  equal(forked!.versionInfo, "v1.0.0");
  equal(forked!.checksums, undefined);
  equal(nosum!.checksums, undefined);
  deepEqual(
    doc.relationships!.map((r) =>
      `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`
    )
      .slice(0, 4),
    [
      `SPDXRef-DOCUMENT DESCRIBES ${imageId}`,
      `${imageId} DESCENDANT_OF SPDXRef-Package-sha256-${IMAGE_INPUTS.base!.digest.slice(7)}`,
      `${imageId} CONTAINS SPDXRef-Package-example.com.app-(devel)`,
      `SPDXRef-Package-example.com.app-(devel) DEPENDS_ON ${ggcr!.SPDXID}`,
    ],
  );
  equal(doc.relationships!.length, 3 + 5);
});

Deno.test("imageSpdx without a base or build info keeps an empty main module, like ko", () => {
  const doc = JSON.parse(
    text(imageSpdx({ ...IMAGE_INPUTS, base: undefined, buildInfo: parseGoVersionM("x") })),
  ) as Doc;
  deepEqual(doc.packages.map((p) => p.SPDXID), [
    `SPDXRef-Package-sha256-${IMAGE_INPUTS.digest.slice(7)}`,
    "SPDXRef-Package--",
  ]);
  equal(doc.packages[1]!.externalRefs[0]!.referenceLocator, "pkg:golang/@?type=module");
  deepEqual(doc.relationships!.map((r) => r.relationshipType), ["DESCRIBES", "CONTAINS"]);
});

Deno.test("indexSpdx lists the children as variants with platform qualifiers", () => {
  const doc = JSON.parse(text(indexSpdx(INDEX_INPUTS))) as Doc;
  const [index, base, amd64, armv7, windows] = doc.packages;
  equal(
    index!.externalRefs[0]!.referenceLocator,
    `pkg:oci/index@${INDEX_INPUTS.digest}?mediaType=application%2Fvnd.oci.image.index.v1%2Bjson`,
  );
  equal(index!.checksums![0]!.checksumValue, INDEX_INPUTS.digest.slice(7));
  equal(base!.name, `index.docker.io/library/golang@${INDEX_INPUTS.base!.digest}`);
  equal(
    base!.externalRefs[0]!.referenceLocator,
    `pkg:oci/image@${
      INDEX_INPUTS.base!.digest
    }?repository_url=index.docker.io%2Flibrary%2Fgolang&tag=1.26`,
  );
  equal(amd64!.versionInfo, "linux/amd64");
  equal(
    amd64!.externalRefs[0]!.referenceLocator,
    `pkg:oci/image@${INDEX_INPUTS.children[0]!.digest}?arch=amd64&mediaType=${
      encodeURIComponent(MediaType.DockerManifest)
    }&os=linux`,
  );
  equal(armv7!.versionInfo, "linux/arm/v7");
  equal(armv7!.externalRefs[0]!.referenceLocator.endsWith("&os=linux&variant=v7"), true);
  equal(windows!.versionInfo, "windows/amd64:10.0.20348.2582");
  equal(
    windows!.externalRefs[0]!.referenceLocator.endsWith(
      "&os=windows&os-feature=win32k&os-feature=b%26w&os-version=10.0.20348.2582",
    ),
    true,
  );
  deepEqual(doc.documentDescribes, [index!.SPDXID]);
  deepEqual(doc.relationships!.map((r) => r.relationshipType), [
    "DESCENDANT_OF",
    "VARIANT_OF",
    "VARIANT_OF",
    "VARIANT_OF",
  ]);
});

Deno.test("indexSpdx with no base and no children has no relationships field", () => {
  const doc = JSON.parse(
    text(indexSpdx({ ...INDEX_INPUTS, base: undefined, children: [] })),
  ) as Doc;
  equal("relationships" in doc, false);
  equal(doc.packages.length, 1);
});

Deno.test("indexSpdx rejects a nested index child", () => {
  throws(
    () =>
      indexSpdx({
        ...INDEX_INPUTS,
        children: [{ digest: sha256Digest("x"), mediaType: MediaType.OciIndex }],
      }),
    (e: unknown) => e instanceof KoError && /unknown media type ".*index.v1\+json"/.test(e.message),
  );
});

Deno.test("a base given by digest has no tag qualifier and a bad base name is an error", () => {
  const baseDigest = sha256Digest("b");
  const inputs: ImageSbomInputs = {
    ...IMAGE_INPUTS,
    base: { name: `gcr.io/distroless/static@${baseDigest}`, digest: baseDigest },
  };
  const doc = JSON.parse(text(imageSpdx(inputs))) as Doc;
  equal(
    doc.packages[1]!.externalRefs[0]!.referenceLocator,
    `pkg:oci/image@${baseDigest}?repository_url=gcr.io%2Fdistroless%2Fstatic`,
  );
  throws(
    () => imageSpdx({ ...IMAGE_INPUTS, base: { name: "Bad Name", digest: baseDigest } }),
    KoError,
  );
  throws(
    () => imageSpdx({ ...IMAGE_INPUTS, base: { name: "alpine", digest: "sha256:short" } }),
    KoError,
  );
});

Deno.test("baseImageFromAnnotations needs both base annotations", () => {
  const name = "org.opencontainers.image.base.name";
  const digest = "org.opencontainers.image.base.digest";
  deepEqual(baseImageFromAnnotations({ [name]: "a", [digest]: "d", x: "y" }), {
    name: "a",
    digest: "d",
  });
  equal(baseImageFromAnnotations({ [name]: "a" }), undefined);
  equal(baseImageFromAnnotations({ [digest]: "d" }), undefined);
  equal(baseImageFromAnnotations(undefined), undefined);
});

Deno.test("sbomTimestamp keeps the wall clock with a literal Z, like Go's layout", () => {
  equal(sbomTimestamp("2024-05-06T07:08:09Z"), "2024-05-06T07:08:09Z");
  equal(sbomTimestamp("2024-05-06T07:08:09.999999999+02:00"), "2024-05-06T07:08:09Z");
  equal(sbomTimestamp("1970-01-01T00:00:00Z"), "1970-01-01T00:00:00Z");
  equal(sbomTimestamp(undefined), "0001-01-01T00:00:00Z");
  equal(sbomTimestamp(""), "0001-01-01T00:00:00Z");
});

Deno.test("modulePackageId replaces slashes with dots", () => {
  equal(modulePackageId({ path: "a/b/c", version: "v1" }), "SPDXRef-Package-a.b.c-v1");
});

import { deepEqual, equal, throws } from "node:assert/strict";
import { parseGoVersionM } from "../../src/go/build_info.ts";
import { imageCycloneDx, indexCycloneDx, uuidV5Urn } from "../../src/sbom/cyclonedx.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { KoError } from "../../src/util/errors.ts";
import { cycloneDxSchemaErrors } from "./schema_validator.ts";
import { golden, IMAGE_INPUTS, INDEX_INPUTS } from "./sbom_fixtures.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Component {
  type: string;
  "bom-ref": string;
  name: string;
  version?: string;
  scope?: string;
  hashes?: { alg: string; content: string }[];
  purl: string;
  externalReferences?: { type: string; url: string }[];
  properties?: { name: string; value: string }[];
}

interface Bom {
  serialNumber: string;
  metadata: { timestamp: string; tools: unknown; component: Component };
  components?: Component[];
  dependencies: { ref: string; dependsOn?: string[] }[];
  [k: string]: unknown;
}

const parse = (b: Uint8Array) => JSON.parse(text(b)) as Bom;

Deno.test("imageCycloneDx matches the golden document byte for byte", async () => {
  const out = imageCycloneDx(IMAGE_INPUTS);
  equal(text(out), await golden("image.cyclonedx.json", out));
});

Deno.test("indexCycloneDx matches the golden document byte for byte", async () => {
  const out = indexCycloneDx(INDEX_INPUTS);
  equal(text(out), await golden("index.cyclonedx.json", out));
});

Deno.test("CycloneDX documents are valid against the CycloneDX 1.6 JSON schema", async () => {
  const docs = [
    imageCycloneDx(IMAGE_INPUTS),
    indexCycloneDx(INDEX_INPUTS),
    imageCycloneDx({ ...IMAGE_INPUTS, base: undefined, buildInfo: parseGoVersionM("") }),
    indexCycloneDx({ ...INDEX_INPUTS, base: undefined, children: [] }),
  ];
  for (const d of docs) deepEqual(await cycloneDxSchemaErrors(JSON.parse(text(d))), []);
});

Deno.test("the schema check rejects a broken CycloneDX document", async () => {
  const doc = parse(imageCycloneDx(IMAGE_INPUTS));
  doc.serialNumber = "not-a-urn";
  doc.components![0]!.hashes = [{ alg: "SHA-256", content: "xyz" }];
  doc.components![1]!.type = "gadget";
  equal((await cycloneDxSchemaErrors(doc)).length >= 3, true);
});

Deno.test("imageCycloneDx has the image as metadata component and Go modules as components", () => {
  const doc = parse(imageCycloneDx(IMAGE_INPUTS));
  const image = doc.metadata.component;
  equal(image.type, "container");
  equal(
    image.purl,
    `pkg:oci/image@${IMAGE_INPUTS.digest}?mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson`,
  );
  deepEqual(image.hashes, [{ alg: "SHA-256", content: IMAGE_INPUTS.digest.slice(7) }]);
  equal(doc.metadata.timestamp, "2024-05-06T07:08:09Z");
  deepEqual(doc.metadata.tools, {
    components: [{ type: "application", name: "ko", version: "0.1.0" }],
  });
  deepEqual(doc.components!.map((c) => [c.type, c.name]), [
    ["container", `cgr.dev/chainguard/static@${IMAGE_INPUTS.base!.digest}`],
    ["application", "example.com/app"],
    ["library", "github.com/Google/go-containerregistry"],
    ["library", "golang.org/x/sys"],
    ["library", "example.com/forked"],
    ["library", "example.com/local"],
    ["library", "example.com/nosum"],
  ]);
  const [base, main, ggcr, , forked, , nosum] = doc.components!;
  equal(base!.version, "cgr.dev/chainguard/static:latest");
  equal(main!.purl, "pkg:golang/example.com/app@(devel)?type=module");
  const props = Object.fromEntries(main!.properties!.map((p) => [p.name, p.value]));
  equal(props["ko:go:version"], "go1.26.0");
  equal(props["cdx:gomod:build:env:GOARCH"], "arm");
  equal(props["cdx:gomod:build:env:GOARM"], "7");
  equal(props["ko:go:build:-ldflags"], "-s -w -X main.version=1.0 -X 'main.note=a&b<c>'");
  equal(props["ko:go:build:vcs.revision"], "0123456789abcdef0123456789abcdef01234567");
  equal(ggcr!.purl, "pkg:golang/github.com/google/go-containerregistry@v0.20.2?type=module");
  equal(ggcr!.scope, "required");
  deepEqual(ggcr!.hashes, [{
    alg: "SHA-256",
    content: "075c0f27548dfd2ee907e6408a671c8950feafec95fe5fc3480accc656f0b1ea",
  }]);
  deepEqual(ggcr!.externalReferences, [{
    type: "distribution",
    url: "https://proxy.golang.org/github.com/!google/go-containerregistry/@v/v0.20.2.zip",
  }]);
  deepEqual(forked!.properties, [
    { name: "ko:go:replace:path", value: "example.com/fork" },
    { name: "ko:go:replace:version", value: "v1.0.1" },
    { name: "ko:go:replace:sum", value: "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
  ]);
  equal(forked!.externalReferences, undefined);
  equal(nosum!.hashes, undefined);
  equal(nosum!.version, "v0.1.0+incompatible");
  // image → base and main; main → every dependency; every component listed once.
  deepEqual(doc.dependencies[0], { ref: image["bom-ref"], dependsOn: [base!.purl, main!.purl] });
  deepEqual(doc.dependencies[2], {
    ref: main!.purl,
    dependsOn: doc.components!.slice(2).map((c) => c["bom-ref"]),
  });
  deepEqual(
    doc.dependencies.map((d) => d.ref),
    [image["bom-ref"], ...doc.components!.map((c) => c["bom-ref"])],
  );
});

Deno.test("imageCycloneDx without build info has only the image and its base", () => {
  const doc = parse(imageCycloneDx({ ...IMAGE_INPUTS, buildInfo: parseGoVersionM("") }));
  deepEqual(doc.components!.map((c) => c.type), ["container"]);
  const bare = parse(
    imageCycloneDx({ ...IMAGE_INPUTS, base: undefined, buildInfo: parseGoVersionM("") }),
  );
  equal(bare.components, undefined);
  deepEqual(bare.dependencies, [{ ref: bare.metadata.component["bom-ref"] }]);
});

Deno.test("indexCycloneDx lists the index's images with their platforms", () => {
  const doc = parse(indexCycloneDx(INDEX_INPUTS));
  equal(
    doc.metadata.component.purl,
    `pkg:oci/index@${INDEX_INPUTS.digest}?mediaType=application%2Fvnd.oci.image.index.v1%2Bjson`,
  );
  deepEqual(doc.components!.map((c) => c.version), [
    "index.docker.io/library/golang:1.26",
    "linux/amd64",
    "linux/arm/v7",
    "windows/amd64:10.0.20348.2582",
  ]);
  equal(
    doc.components![2]!.purl,
    `pkg:oci/image@${
      INDEX_INPUTS.children[1]!.digest
    }?arch=arm&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux&variant=v7`,
  );
  deepEqual(doc.dependencies[0]!.dependsOn, doc.components!.map((c) => c["bom-ref"]));
  throws(
    () =>
      indexCycloneDx({
        ...INDEX_INPUTS,
        children: [{ digest: sha256Digest("x"), mediaType: MediaType.DockerManifestList }],
      }),
    KoError,
  );
});

Deno.test("CycloneDX serial numbers are UUIDv5 of the subject, stable across runs", () => {
  equal(uuidV5Urn("pkg:oci/image@sha256:abc"), "urn:uuid:3d319724-31e4-5ef1-8732-99d4f6d7fc40");
  const a = parse(imageCycloneDx(IMAGE_INPUTS));
  equal(a.serialNumber, uuidV5Urn(`pkg:oci/image@${IMAGE_INPUTS.digest}`));
  deepEqual(imageCycloneDx(IMAGE_INPUTS), imageCycloneDx(IMAGE_INPUTS));
  const other = parse(imageCycloneDx({ ...IMAGE_INPUTS, digest: sha256Digest("other") }));
  equal(other.serialNumber === a.serialNumber, false);
  equal(
    parse(indexCycloneDx(INDEX_INPUTS)).serialNumber,
    uuidV5Urn(`pkg:oci/index@${INDEX_INPUTS.digest}`),
  );
});

import { deepEqual, equal, throws } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import {
  detectMediaType,
  type Index,
  type Manifest,
  parseDescriptor,
  parseIndex,
  parseJsonObject,
  parseManifest,
  serializeIndex,
  serializeLayoutIndex,
  serializeManifest,
} from "../../src/oci/manifest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { type Digest, sha256Digest } from "../../src/oci/digest.ts";
import { goReencode } from "./go_oracle.ts";

const D1 = sha256Digest("config") as Digest;
const D2 = sha256Digest("layer") as Digest;
const D3 = sha256Digest("other") as Digest;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const OCI_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, size: 1234, digest: D1 },
  layers: [
    { mediaType: MediaType.OciLayerGzip, size: 5678, digest: D2 },
    { mediaType: MediaType.OciLayerZstd, size: 9, digest: D3, urls: ["https://example.com/x"] },
  ],
  annotations: { "org.opencontainers.image.base.name": "cgr.dev/chainguard/static:latest" },
});

const DOCKER_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: { mediaType: MediaType.DockerConfig, size: 1469, digest: D1 },
  layers: [{ mediaType: MediaType.DockerLayerGzip, size: 3623807, digest: D2 }],
});

const OCI_INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    {
      mediaType: MediaType.OciManifest,
      size: 100,
      digest: D1,
      platform: { architecture: "amd64", os: "linux" },
    },
    {
      mediaType: MediaType.OciManifest,
      size: 200,
      digest: D2,
      platform: { architecture: "arm", os: "linux", variant: "v7" },
    },
    {
      mediaType: MediaType.OciManifest,
      size: 300,
      digest: D3,
      annotations: {
        "vnd.docker.reference.digest": D1,
        "vnd.docker.reference.type": "attestation-manifest",
      },
      platform: { architecture: "unknown", os: "unknown" },
    },
  ],
});

const DOCKER_LIST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifestList,
  manifests: [
    {
      mediaType: MediaType.DockerManifest,
      size: 528,
      digest: D1,
      platform: { architecture: "amd64", os: "windows", "os.version": "10.0.20348.2227" },
    },
  ],
});

Deno.test("parseManifest reads an OCI manifest", () => {
  const m = parseManifest(OCI_MANIFEST);
  equal(m.schemaVersion, 2);
  equal(m.mediaType, MediaType.OciManifest);
  deepEqual(m.config, { mediaType: MediaType.OciConfig, size: 1234, digest: D1 });
  equal(m.layers.length, 2);
  equal(m.layers[1]!.digest, D3);
  deepEqual(m.layers[1]!.urls, ["https://example.com/x"]);
  equal(m.annotations?.["org.opencontainers.image.base.name"], "cgr.dev/chainguard/static:latest");
});

Deno.test("parseManifest reads a Docker schema 2 manifest from bytes", () => {
  const m = parseManifest(new TextEncoder().encode(DOCKER_MANIFEST));
  equal(m.mediaType, MediaType.DockerManifest);
  equal(m.config.mediaType, MediaType.DockerConfig);
  equal(m.layers[0]!.size, 3623807);
});

Deno.test("parseManifest validates a subject descriptor", () => {
  const doc = JSON.parse(OCI_MANIFEST);
  doc.subject = { mediaType: MediaType.OciManifest, size: 10, digest: D3 };
  equal(parseManifest(JSON.stringify(doc)).subject?.digest, D3);
  doc.subject = { mediaType: MediaType.OciManifest, size: 10, digest: "sha256:nope" };
  throws(() => parseManifest(JSON.stringify(doc)), {
    name: "KoError",
    message:
      'manifest subject: invalid digest "sha256:nope": sha256 needs 64 lowercase hex characters',
  });
});

Deno.test("parseIndex reads an OCI index with platforms and an attestation entry", () => {
  const i = parseIndex(OCI_INDEX);
  equal(i.mediaType, MediaType.OciIndex);
  deepEqual(i.manifests.map((d) => d.platform), [
    { architecture: "amd64", os: "linux" },
    { architecture: "arm", os: "linux", variant: "v7" },
    { architecture: "unknown", os: "unknown" },
  ]);
  equal(i.manifests[2]!.annotations?.["vnd.docker.reference.type"], "attestation-manifest");
});

Deno.test("parseIndex reads a Docker manifest list", () => {
  const i = parseIndex(DOCKER_LIST);
  equal(i.mediaType, MediaType.DockerManifestList);
  equal(i.manifests[0]!.platform?.["os.version"], "10.0.20348.2227");
});

const MALFORMED_MANIFESTS: Array<[doc: string, message: string]> = [
  ["{", "manifest is not valid JSON: "],
  ["", "manifest is not valid JSON: "],
  ["[]", "manifest is not a JSON object"],
  ["null", "manifest is not a JSON object"],
  ['"x"', "manifest is not a JSON object"],
  ["{}", "manifest: unsupported schemaVersion (missing)"],
  ['{"schemaVersion":1}', "manifest: unsupported schemaVersion 1"],
  ['{"schemaVersion":"2"}', 'manifest: unsupported schemaVersion "2"'],
  ['{"schemaVersion":2,"layers":[]}', "manifest config: descriptor is not an object"],
  ['{"schemaVersion":2,"config":"x","layers":[]}', "manifest config: descriptor is not an object"],
  [
    `{"schemaVersion":2,"config":{"size":1,"digest":"${D1}"},"layers":[]}`,
    "manifest config: descriptor has no mediaType",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1},"layers":[]}`,
    "manifest config: descriptor has no digest",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","digest":"${D1}"},"layers":[]}`,
    "manifest config: descriptor has an invalid size",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":-1,"digest":"${D1}"},"layers":[]}`,
    "manifest config: descriptor has an invalid size",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1.5,"digest":"${D1}"},"layers":[]}`,
    "manifest config: descriptor has an invalid size",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":"1","digest":"${D1}"},"layers":[]}`,
    "manifest config: descriptor has an invalid size",
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1,"digest":"md5:x"},"layers":[]}`,
    'manifest config: invalid digest "md5:x": unsupported algorithm "md5"',
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1,"digest":"${D1}"}}`,
    'manifest: "layers" is not a list',
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1,"digest":"${D1}"},"layers":{}}`,
    'manifest: "layers" is not a list',
  ],
  [
    `{"schemaVersion":2,"config":{"mediaType":"a","size":1,"digest":"${D1}"},` +
    `"layers":[{"mediaType":"a","size":1,"digest":"${D2}"},null]}`,
    "manifest layer 1: descriptor is not an object",
  ],
];

for (const [i, [doc, message]] of MALFORMED_MANIFESTS.entries()) {
  Deno.test(`parseManifest rejects malformed manifest #${i + 1}: ${message}`, () => {
    throws(() => parseManifest(doc), (e: unknown) => {
      equal(e instanceof KoError, true);
      equal((e as Error).message.startsWith(message), true, (e as Error).message);
      return true;
    });
  });
}

Deno.test("parseManifest and parseIndex name what they read in errors", () => {
  throws(
    () => parseManifest("{", "base manifest for alpine"),
    /^KoError: base manifest for alpine/,
  );
  throws(
    () => parseIndex('{"schemaVersion":2,"manifests":[{}]}', "base index"),
    { message: "base index entry 0: descriptor has no mediaType" },
  );
});

const MALFORMED_INDEXES: Array<[doc: string, message: string]> = [
  ["nope", "index is not valid JSON: "],
  ["[1]", "index is not a JSON object"],
  ['{"manifests":[]}', "index: unsupported schemaVersion (missing)"],
  ['{"schemaVersion":2}', 'index: "manifests" is not a list'],
  ['{"schemaVersion":2,"manifests":null}', 'index: "manifests" is not a list'],
  [
    `{"schemaVersion":2,"manifests":[{"mediaType":"a","size":1,"digest":"${D1}"},` +
    `{"mediaType":"a","size":1,"digest":"sha256:0"}]}`,
    'index entry 1: invalid digest "sha256:0"',
  ],
];

for (const [i, [doc, message]] of MALFORMED_INDEXES.entries()) {
  Deno.test(`parseIndex rejects malformed index #${i + 1}: ${message}`, () => {
    throws(() => parseIndex(doc), (e: unknown) => {
      equal(e instanceof KoError, true);
      equal((e as Error).message.startsWith(message), true, (e as Error).message);
      return true;
    });
  });
}

Deno.test("parseDescriptor and parseJsonObject report the place they were given", () => {
  throws(() => parseDescriptor(42, "layer 3"), { message: "layer 3: descriptor is not an object" });
  throws(() => parseJsonObject("1", "blob"), { message: "blob is not a JSON object" });
  deepEqual(parseJsonObject(new TextEncoder().encode('{"a":1}'), "x"), { a: 1 });
});

Deno.test("serializeManifest writes ggcr's field order whatever the object order", () => {
  const m = {
    artifactType: "application/vnd.example+type",
    subject: { digest: D3, size: 7, mediaType: MediaType.OciManifest },
    annotations: { "z.key": "last", "a.key": "first", "m<&>": "<b>&</b>" },
    layers: [{
      platform: { variant: "v7", os: "linux", architecture: "arm" },
      annotations: { b: "2", a: "1" },
      urls: ["https://example.com/l"],
      data: "aGVsbG8=",
      digest: D2,
      size: 5,
      mediaType: MediaType.OciLayerGzip,
      artifactType: "application/x",
    }],
    config: { size: 2, mediaType: MediaType.OciConfig, digest: D1 },
    mediaType: MediaType.OciManifest,
    schemaVersion: 2,
  } as Manifest;
  equal(
    text(serializeManifest(m)),
    `{"schemaVersion":2,"mediaType":"${MediaType.OciManifest}",` +
      `"config":{"mediaType":"${MediaType.OciConfig}","size":2,"digest":"${D1}"},` +
      `"layers":[{"mediaType":"${MediaType.OciLayerGzip}","size":5,"digest":"${D2}",` +
      `"data":"aGVsbG8=","urls":["https://example.com/l"],"annotations":{"a":"1","b":"2"},` +
      `"platform":{"architecture":"arm","os":"linux","variant":"v7"},` +
      `"artifactType":"application/x"}],` +
      `"annotations":{"a.key":"first","m\\u003c\\u0026\\u003e":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","z.key":"last"},` +
      `"subject":{"mediaType":"${MediaType.OciManifest}","size":7,"digest":"${D3}"},` +
      `"artifactType":"application/vnd.example+type"}`,
  );
});

Deno.test("serializeManifest omits empty optional fields and drops unknown ones", () => {
  const m = parseManifest(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: MediaType.OciConfig, size: 0, digest: D1, extra: true },
      layers: [],
      annotations: {},
      unknownTopLevel: "dropped",
    }),
  );
  equal(
    text(serializeManifest(m)),
    `{"schemaVersion":2,"config":{"mediaType":"${MediaType.OciConfig}","size":0,"digest":"${D1}"},"layers":[]}`,
  );
});

Deno.test("serializeIndex writes ggcr's order, platform fields included", () => {
  const i: Index = {
    annotations: { "org.opencontainers.image.base.name": "x" },
    manifests: [{
      platform: {
        features: ["sse4"],
        variant: "v8",
        "os.features": ["win32k"],
        "os.version": "10.0.1",
        os: "windows",
        architecture: "arm64",
      },
      digest: D1,
      size: 1,
      mediaType: MediaType.OciManifest,
    }],
    mediaType: MediaType.OciIndex,
    schemaVersion: 2,
  };
  equal(
    text(serializeIndex(i)),
    `{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","manifests":[{"mediaType":` +
      `"${MediaType.OciManifest}","size":1,"digest":"${D1}","platform":{"architecture":"arm64",` +
      `"os":"windows","os.version":"10.0.1","os.features":["win32k"],"variant":"v8",` +
      `"features":["sse4"]}}],"annotations":{"org.opencontainers.image.base.name":"x"}}`,
  );
});

Deno.test("canonical manifest and index bytes survive a parse and serialise round trip", () => {
  for (const doc of [OCI_MANIFEST, DOCKER_MANIFEST]) {
    equal(text(serializeManifest(parseManifest(doc))), doc);
  }
  for (const doc of [OCI_INDEX, DOCKER_LIST]) equal(text(serializeIndex(parseIndex(doc))), doc);
});

Deno.test("serialisation matches Go's encoding/json byte for byte", async () => {
  const manifests = [
    OCI_MANIFEST,
    DOCKER_MANIFEST,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: "application/vnd.example",
      config: { mediaType: MediaType.OciEmpty, size: 2, digest: D1, data: "e30=" },
      layers: [{
        mediaType: "text/spdx+json",
        size: 12,
        digest: D2,
        annotations: { "é": "ü\u2028", "<": ">", "0": "&" },
      }],
      subject: { mediaType: MediaType.OciManifest, size: 99, digest: D3 },
      annotations: { b: "", a: "x" },
      ignored: { nested: true },
    }),
  ];
  const indexes = [
    OCI_INDEX,
    DOCKER_LIST,
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: MediaType.OciManifest,
        size: 1,
        digest: D1,
        platform: {
          architecture: "amd64",
          os: "windows",
          "os.version": "10.0.17763.1",
          "os.features": ["win32k"],
          features: ["x"],
        },
      }],
      annotations: { "org.opencontainers.image.base.digest": D2 },
    }),
  ];
  const ours = [
    ...manifests.map((d) => text(serializeManifest(parseManifest(d)))),
    ...indexes.map((d) => text(serializeIndex(parseIndex(d)))),
  ];
  const go = await goReencode([
    ...manifests.map((doc) => ({ kind: "manifest" as const, doc })),
    ...indexes.map((doc) => ({ kind: "index" as const, doc })),
  ]);
  deepEqual(ours, go);
});

Deno.test("an OCI layout's index.json is indented as ggcr's layout writer indents it", async () => {
  const empty = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });
  const named = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        mediaType: MediaType.OciManifest,
        size: 1,
        digest: D1,
        annotations: { "org.opencontainers.image.ref.name": "ghcr.io/me/app:v1 <&>" },
        artifactType: MediaType.OciConfig,
      },
      {
        mediaType: MediaType.OciIndex,
        size: 2,
        digest: D2,
        urls: [],
        platform: { architecture: "arm64", os: "linux", "os.features": ["a", "b"] },
      },
    ],
    annotations: {},
  });
  const docs = [empty, named, OCI_INDEX, DOCKER_LIST];
  const go = await goReencode(docs.map((doc) => ({ kind: "layout-index" as const, doc })));
  deepEqual(
    docs.map((d) => text(serializeLayoutIndex(parseIndex(d)))),
    go.map((line) => JSON.parse(line)),
  );
});

const DETECT: Array<[obj: Record<string, unknown>, contentType: string | undefined, want: string]> =
  [
    [{ mediaType: MediaType.DockerManifest }, MediaType.OciManifest, MediaType.DockerManifest],
    [
      { manifests: [] },
      `${MediaType.DockerManifestList}; charset=utf-8`,
      MediaType.DockerManifestList,
    ],
    [{ config: {} }, ` ${MediaType.OciManifest} `, MediaType.OciManifest],
    [{ manifests: [] }, undefined, MediaType.OciIndex],
    [{ manifests: [] }, "application/json", MediaType.OciIndex],
    [{ config: {}, layers: [] }, undefined, MediaType.OciManifest],
    [{ schemaVersion: 1, fsLayers: [] }, undefined, MediaType.DockerSchema1],
    [{ mediaType: "" }, "text/plain", "text/plain"],
    [{}, undefined, ""],
  ];

for (const [obj, ct, want] of DETECT) {
  Deno.test(`detectMediaType finds ${want || "nothing"} for ${JSON.stringify(obj)}`, () => {
    equal(detectMediaType(obj, ct), want);
  });
}

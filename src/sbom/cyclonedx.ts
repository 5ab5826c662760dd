/**
 * CycloneDX 1.6 JSON documents for a built image or index, with the same components and purls
 * as the SPDX ones: the image (or index) is `metadata.component`, a container; the base image
 * and the index's images are containers; the main Go module is an application and its
 * dependencies are libraries. Output is deterministic: the serial number is a UUIDv5 of the
 * subject's digest and the timestamp is the image config's `created`.
 */
import { type BuildInfo, type GoModule, h1ToSha256Hex } from "../go/build_info.ts";
import { indentedJsonBytes, type JsonValue } from "./indented_json.ts";
import { goModulePurl, ociPurl } from "./purl.ts";
import {
  assertImageChildren,
  childQualifiers,
  type ImageSbomInputs,
  type IndexSbomInputs,
  resolveBaseImage,
  type SbomBase,
  sbomTimestamp,
} from "./sbom_inputs.ts";
import { type Digest, digestHex, parseDigest } from "../oci/digest.ts";
import { sha1 } from "../util/hash.ts";
import { formatPlatform } from "../oci/platform.ts";

/** The CycloneDX specification version written. */
const CYCLONEDX_SPEC_VERSION = "1.6";

type Json = { [key: string]: JsonValue | undefined };

interface Dependency {
  ref: string;
  dependsOn: string[];
}

/** The CycloneDX document of an image: image, base image, main module, dependencies. */
export function imageCycloneDx(inputs: ImageSbomInputs): Uint8Array {
  const digest = parseDigest(inputs.digest);
  const image = containerComponent(
    digest,
    undefined,
    ociPurl("image", digest, [["mediaType", inputs.mediaType]]),
  );
  const components: Json[] = [];
  const deps: Dependency[] = [{ ref: image["bom-ref"] as string, dependsOn: [] }];

  addBase(components, deps, inputs.base);

  const bi = inputs.buildInfo;
  if (bi.main.path !== "") {
    const main = moduleComponent(bi.main, "application", mainProperties(bi));
    components.push(main);
    deps[0]!.dependsOn.push(main["bom-ref"] as string);
    const mainDeps: Dependency = { ref: main["bom-ref"] as string, dependsOn: [] };
    deps.push(mainDeps);
    const seen = new Set([image["bom-ref"], main["bom-ref"]]);
    for (const dep of bi.deps) {
      const c = moduleComponent(dep, "library", replaceProperties(dep));
      const ref = c["bom-ref"] as string;
      if (seen.has(ref)) continue;
      seen.add(ref);
      components.push(c);
      mainDeps.dependsOn.push(ref);
      deps.push({ ref, dependsOn: [] });
    }
  }

  return indentedJsonBytes(
    bom(inputs.toolVersion, inputs.created, ociPurl("image", digest), image, components, deps),
  );
}

/**
 * The CycloneDX document of an index: the index, its base, and its images. Throws a KoError
 * when a child is not an image manifest.
 */
export function indexCycloneDx(inputs: IndexSbomInputs): Uint8Array {
  assertImageChildren(inputs.children);
  const digest = parseDigest(inputs.digest);
  const index = containerComponent(
    digest,
    undefined,
    ociPurl("index", digest, [["mediaType", inputs.mediaType]]),
  );
  const components: Json[] = [];
  const deps: Dependency[] = [{ ref: index["bom-ref"] as string, dependsOn: [] }];

  addBase(components, deps, inputs.base);

  for (const child of inputs.children) {
    const d = parseDigest(child.digest);
    const platform = child.platform ? formatPlatform(child.platform) : "";
    const c = containerComponent(d, platform, ociPurl("image", d, childQualifiers(child)));
    components.push(c);
    deps[0]!.dependsOn.push(c["bom-ref"] as string);
    deps.push({ ref: c["bom-ref"] as string, dependsOn: [] });
  }

  return indentedJsonBytes(
    bom(inputs.toolVersion, inputs.created, ociPurl("index", digest), index, components, deps),
  );
}

/**
 * A name-based (version 5, SHA-1) UUID in the URL namespace of RFC 9562, as `urn:uuid:…`.
 */
export function uuidV5Urn(name: string): string {
  const ns = hexBytes("6ba7b8119dad11d180b400c04fd430c8");
  const text = new TextEncoder().encode(name);
  const input = new Uint8Array(ns.length + text.length);
  input.set(ns);
  input.set(text, ns.length);
  const h = sha1(input);
  const b = new Uint8Array(h.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20)}`;
}

function bom(
  toolVersion: string,
  created: string | undefined,
  subjectPurl: string,
  subject: Json,
  components: Json[],
  deps: Dependency[],
): JsonValue {
  return {
    $schema: `http://cyclonedx.org/schema/bom-${CYCLONEDX_SPEC_VERSION}.schema.json`,
    bomFormat: "CycloneDX",
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: uuidV5Urn(subjectPurl),
    version: 1,
    metadata: {
      timestamp: sbomTimestamp(created),
      tools: { components: [{ type: "application", name: "ko", version: toolVersion }] },
      component: subject,
    },
    components: components.length === 0 ? undefined : components,
    dependencies: deps.map((d) => ({
      ref: d.ref,
      dependsOn: d.dependsOn.length === 0 ? undefined : d.dependsOn,
    })),
  };
}

function addBase(components: Json[], deps: Dependency[], base: SbomBase | undefined): void {
  if (base === undefined) return;
  const b = resolveBaseImage(base);
  const c = containerComponent(b.digest, b.version, b.purl, b.name);
  components.push(c);
  deps[0]!.dependsOn.push(b.purl);
  deps.push({ ref: b.purl, dependsOn: [] });
}

function containerComponent(
  digest: Digest,
  version: string | undefined,
  purl: string,
  name: string = digest,
): Json {
  return {
    type: "container",
    "bom-ref": purl,
    name,
    version: version || undefined,
    hashes: [{ alg: "SHA-256", content: digestHex(digest) }],
    purl,
  };
}

function moduleComponent(
  mod: GoModule,
  type: "application" | "library",
  properties: Json[],
): Json {
  const purl = goModulePurl(mod);
  const sha = h1ToSha256Hex(mod.sum);
  const download = mod.replace === undefined && mod.version !== "" && mod.version !== "(devel)"
    ? `https://proxy.golang.org/${proxyEscape(mod.path)}/@v/${proxyEscape(mod.version)}.zip`
    : undefined;
  return {
    type,
    "bom-ref": purl,
    name: mod.path,
    version: mod.version || undefined,
    scope: type === "library" ? "required" : undefined,
    hashes: sha.length === 64 ? [{ alg: "SHA-256", content: sha }] : undefined,
    purl,
    externalReferences: download === undefined
      ? undefined
      : [{ type: "distribution", url: download }],
    properties: properties.length === 0 ? undefined : properties,
  };
}

/**
 * The Go version and build settings of the binary: `CGO_ENABLED`, `GOOS`… under the CycloneDX
 * `cdx:gomod:build:env:` taxonomy, the rest (`-trimpath`, `vcs.revision`…) as `ko:go:build:`.
 */
function mainProperties(bi: BuildInfo): Json[] {
  const props: Json[] = [];
  if (bi.goVersion) props.push({ name: "ko:go:version", value: bi.goVersion });
  for (const s of bi.settings) {
    const name = /^[A-Z][A-Z0-9_]*$/.test(s.key)
      ? `cdx:gomod:build:env:${s.key}`
      : `ko:go:build:${s.key}`;
    props.push({ name, value: s.value });
  }
  return props;
}

function replaceProperties(mod: GoModule): Json[] {
  const r = mod.replace;
  if (r === undefined) return [];
  const props: Json[] = [{ name: "ko:go:replace:path", value: r.path }];
  if (r.version) props.push({ name: "ko:go:replace:version", value: r.version });
  if (r.sum) props.push({ name: "ko:go:replace:sum", value: r.sum });
  return props;
}

/** Module proxy case encoding: each uppercase letter becomes `!` and its lowercase. */
function proxyEscape(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "!" + c.toLowerCase());
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

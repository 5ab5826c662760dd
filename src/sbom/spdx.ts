/**
 * SPDX 2.3 JSON documents for a built image or index, byte for byte as ko writes them
 * (ko-behaviour section 7): the same packages, ids, purls, relationships, field order and
 * Go-style indented, HTML-escaped JSON.
 */
import { type GoModule, h1ToSha256Hex } from "../go/build_info.ts";
import { indentedJsonBytes, type JsonValue } from "./indented_json.ts";
import { goModulePurl, ociPurl } from "./purl.ts";
import {
  assertImageChildren,
  childQualifiers,
  type ImageSbomInputs,
  type IndexSbomInputs,
  ociPackageId,
  resolveBaseImage,
  type SbomBase,
  sbomTimestamp,
} from "./sbom_inputs.ts";
import { type Digest, digestAlgorithm, digestHex, parseDigest } from "../oci/digest.ts";
import { formatPlatform } from "../oci/platform.ts";

const NOASSERTION = "NOASSERTION";

/** An SPDX package; fields are written in this order, empty optional ones left out. */
interface SpdxPackage {
  id: string;
  name: string;
  version?: string;
  downloadLocation: string;
  primaryPurpose?: string;
  checksum?: { algorithm: string; value: string };
  purl: string;
}

interface SpdxRelationship {
  element: string;
  type: string;
  related: string;
}

/** The SPDX document of an image: image, base image, main module, dependencies. */
export function imageSpdx(inputs: ImageSbomInputs): Uint8Array {
  const digest = parseDigest(inputs.digest);
  const imageId = ociPackageId(digest);
  const bi = inputs.buildInfo;
  const packages: SpdxPackage[] = [];
  const relationships: SpdxRelationship[] = [];

  relationships.push({ element: "SPDXRef-DOCUMENT", type: "DESCRIBES", related: imageId });
  packages.push({
    id: imageId,
    name: digest,
    downloadLocation: NOASSERTION,
    primaryPurpose: "CONTAINER",
    purl: ociPurl("image", digest, [["mediaType", inputs.mediaType]]),
  });

  addBase(packages, relationships, inputs.base, digest);

  const mainId = modulePackageId(bi.main);
  relationships.push({ element: imageId, type: "CONTAINS", related: mainId });
  packages.push({
    id: mainId,
    name: bi.main.path,
    downloadLocation: `https://${bi.main.path}`,
    purl: goModulePurl(bi.main),
  });

  for (const dep of bi.deps) {
    const depId = modulePackageId(dep);
    relationships.push({ element: mainId, type: "DEPENDS_ON", related: depId });
    packages.push({
      id: depId,
      name: dep.path,
      version: dep.version,
      downloadLocation: `https://proxy.golang.org/${dep.path}/@v/${dep.version}.zip`,
      checksum: dep.sum === "" ? undefined : { algorithm: "SHA256", value: h1ToSha256Hex(dep.sum) },
      purl: goModulePurl(dep),
    });
  }

  return indentedJsonBytes(
    document(inputs.toolVersion, inputs.created, digest, packages, relationships),
  );
}

/**
 * The SPDX document of an index: the index, its base, and each child image as a variant.
 * Throws a KoError when a child is not an image manifest.
 */
export function indexSpdx(inputs: IndexSbomInputs): Uint8Array {
  assertImageChildren(inputs.children);
  const digest = parseDigest(inputs.digest);
  const indexId = ociPackageId(digest);
  const packages: SpdxPackage[] = [{
    id: indexId,
    name: digest,
    downloadLocation: NOASSERTION,
    primaryPurpose: "CONTAINER",
    checksum: digestChecksum(digest),
    purl: ociPurl("index", digest, [["mediaType", inputs.mediaType]]),
  }];
  const relationships: SpdxRelationship[] = [];

  addBase(packages, relationships, inputs.base, digest);

  for (const child of inputs.children) {
    const childDigest = parseDigest(child.digest);
    const childId = ociPackageId(childDigest);
    relationships.push({ element: indexId, type: "VARIANT_OF", related: childId });
    packages.push({
      id: childId,
      name: childDigest,
      version: child.platform ? formatPlatform(child.platform) : "",
      downloadLocation: NOASSERTION,
      primaryPurpose: "CONTAINER",
      checksum: digestChecksum(childDigest),
      purl: ociPurl("image", childDigest, childQualifiers(child)),
    });
  }

  return indentedJsonBytes(
    document(inputs.toolVersion, inputs.created, digest, packages, relationships),
  );
}

/** `SPDXRef-Package-<path with / as .>-<version>`, the id ko gives a Go module. */
export function modulePackageId(mod: Pick<GoModule, "path" | "version">): string {
  return `SPDXRef-Package-${mod.path.replaceAll("/", ".")}-${mod.version}`;
}

function addBase(
  packages: SpdxPackage[],
  relationships: SpdxRelationship[],
  base: SbomBase | undefined,
  subject: Digest,
): void {
  if (base === undefined) return;
  const b = resolveBaseImage(base);
  const baseId = ociPackageId(b.digest);
  relationships.push({ element: ociPackageId(subject), type: "DESCENDANT_OF", related: baseId });
  packages.push({
    id: baseId,
    name: b.name,
    version: b.version,
    downloadLocation: NOASSERTION,
    checksum: digestChecksum(b.digest),
    purl: b.purl,
  });
}

function digestChecksum(d: Digest): { algorithm: string; value: string } {
  return { algorithm: digestAlgorithm(d).toUpperCase(), value: digestHex(d) };
}

function document(
  toolVersion: string,
  created: string | undefined,
  digest: Digest,
  packages: SpdxPackage[],
  relationships: SpdxRelationship[],
): JsonValue {
  return {
    SPDXID: "SPDXRef-DOCUMENT",
    name: `sbom-${digest}`,
    spdxVersion: "SPDX-2.3",
    creationInfo: {
      created: sbomTimestamp(created),
      creators: [`Tool: ko ${toolVersion}`],
    },
    dataLicense: "CC0-1.0",
    documentNamespace: `http://spdx.org/spdxdocs/ko/${digest}`,
    documentDescribes: [ociPackageId(digest)],
    packages: packages.map(packageJson),
    relationships: relationships.length === 0 ? undefined : relationships.map((r) => ({
      spdxElementId: r.element,
      relationshipType: r.type,
      relatedSpdxElement: r.related,
    })),
  };
}

function packageJson(p: SpdxPackage): JsonValue {
  return {
    SPDXID: p.id,
    name: p.name,
    versionInfo: p.version || undefined,
    filesAnalyzed: false,
    licenseDeclared: NOASSERTION,
    licenseConcluded: NOASSERTION,
    downloadLocation: p.downloadLocation,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: p.primaryPurpose,
    checksums: p.checksum === undefined
      ? undefined
      : [{ algorithm: p.checksum.algorithm, checksumValue: p.checksum.value }],
    externalRefs: [{
      referenceCategory: "PACKAGE-MANAGER",
      referenceLocator: p.purl,
      referenceType: "purl",
    }],
  };
}

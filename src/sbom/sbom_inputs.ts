/**
 * What an SBOM describes: a built image (digest, manifest media type, config `created`, base
 * image, Go build info) or a built index (its children), plus the pieces every format derives
 * from them the same way (base image identity, the document timestamp).
 */
import type { BuildInfo } from "../go/build_info.ts";
import type { Platform } from "../oci/descriptor.ts";
import { type Digest, digestAlgorithm, digestHex, parseDigest } from "../oci/digest.ts";
import { parseReference, referenceName, repoString } from "../oci/reference.ts";
import { isImageMediaType } from "../oci/media_types.ts";
import { KoError } from "../util/errors.ts";
import { ociPurl, type Qualifier } from "./purl.ts";
import { BASE_DIGEST_ANNOTATION, BASE_NAME_ANNOTATION } from "../oci/annotations.ts";

/** The base image an image or index was built on. */
export interface SbomBase {
  /** Reference as in the `base.name` annotation, `cgr.dev/chainguard/static:latest`. */
  name: string;
  /** Digest as in the `base.digest` annotation. */
  digest: string;
}

/** Inputs of an image SBOM. */
export interface ImageSbomInputs {
  /** Digest of the image manifest. */
  digest: string;
  /** Media type of the image manifest. */
  mediaType: string;
  /** The image config's `created` (RFC 3339); absent means Go's zero time. */
  created?: string;
  /** The base image, when known (see {@link baseImageFromAnnotations}). */
  base?: SbomBase;
  /** Build info of the binary in the image. */
  buildInfo: BuildInfo;
  /** Version of ko, for the document's creator/tool. */
  toolVersion: string;
}

/** One image of an index, as its index descriptor describes it. */
export interface SbomChild {
  digest: string;
  mediaType: string;
  platform?: Platform;
}

/** Inputs of an index SBOM. */
export interface IndexSbomInputs {
  /** Digest of the index. */
  digest: string;
  /** Media type of the index. */
  mediaType: string;
  /** The `created` of the first child's config. */
  created?: string;
  /** The base image (index) when known. */
  base?: SbomBase;
  /** The index's images, in index order. */
  children: readonly SbomChild[];
  /** Version of ko. */
  toolVersion: string;
}

/** The base image from `base.name` and `base.digest` annotations; undefined unless both are set. */
export function baseImageFromAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): SbomBase | undefined {
  const name = annotations?.[BASE_NAME_ANNOTATION];
  const digest = annotations?.[BASE_DIGEST_ANNOTATION];
  if (name === undefined || digest === undefined) return undefined;
  return { name, digest };
}

/** How the SBOMs describe a base image. */
export interface SbomBaseIdentity {
  digest: Digest;
  /** `<registry>/<repository>@<digest>`. */
  name: string;
  /** The base reference as written in the annotation. */
  version: string;
  /** `pkg:oci/image@<digest>?repository_url=<repo>[&tag=<tag>]`. */
  purl: string;
}

/** Resolves a base image's identity; throws a KoError for a bad reference or digest. */
export function resolveBaseImage(base: SbomBase): SbomBaseIdentity {
  const ref = parseReference(base.name);
  const digest = parseDigest(base.digest);
  const qualifiers: Qualifier[] = [["repository_url", repoString(ref)]];
  // ggcr parses `repo:tag@digest` as a digest reference: only a plain tag reference has a tag.
  if (ref.digest === undefined) qualifiers.push(["tag", ref.tag ?? "latest"]);
  return {
    digest,
    name: referenceName({ ...ref, digest }),
    version: base.name,
    purl: ociPurl("image", digest, qualifiers),
  };
}

/** The SPDX element id ko gives an image or index: `SPDXRef-Package-sha256-<hex>`. */
export function ociPackageId(digest: string): string {
  return `SPDXRef-Package-${digestAlgorithm(digest)}-${digestHex(digest)}`;
}

/**
 * The document time: the wall clock of `created` with a literal `Z` and no fractional
 * seconds (Go's layout `2006-01-02T15:04:05Z`, no UTC conversion); Go's zero time when
 * `created` is absent or unparseable.
 */
export function sbomTimestamp(created: string | undefined): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})/.exec(created ?? "");
  return m ? `${m[1]}T${m[2]}Z` : "0001-01-01T00:00:00Z";
}

/** The purl qualifiers of an index child: mediaType, arch, os, variant, os-version, os-features. */
export function childQualifiers(child: SbomChild): Qualifier[] {
  const p = child.platform;
  const q: Qualifier[] = [
    ["mediaType", child.mediaType],
    ["arch", p?.architecture ?? ""],
    ["os", p?.os ?? ""],
  ];
  if (p?.variant) q.push(["variant", p.variant]);
  if (p?.["os.version"]) q.push(["os-version", p["os.version"]]);
  for (const f of p?.["os.features"] ?? []) q.push(["os-feature", f]);
  return q;
}

/** Throws unless every child is an image manifest (ko describes no nested indexes). */
export function assertImageChildren(children: readonly SbomChild[]): void {
  for (const c of children) {
    if (!isImageMediaType(c.mediaType)) {
      throw new KoError(
        `cannot describe index child ${c.digest} in an SBOM: unknown media type ${
          JSON.stringify(c.mediaType)
        }`,
      );
    }
  }
}

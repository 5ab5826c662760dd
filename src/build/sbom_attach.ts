/**
 * The builder hooks that make SBOMs (ko-behaviour 7): after each platform's image is built,
 * `go version -m` on its binary gives the Go build info, the `--sbom` document is made from
 * it and attached to the image (`attachments.sbom`, never part of the image, so its digest
 * is unchanged); after an index is assembled, the index document is attached the same way.
 * With `--sbom-dir`, every document is also written there under ko's file names, whatever
 * the publisher.
 */
import type { Image, ImageIndex } from "../image/image.ts";
import { isScratch } from "../image/scratch.ts";
import { platformFromConfig } from "../oci/platform.ts";
import { readBuildInfo } from "../sbom/build_info.ts";
import {
  imageSbom,
  indexSbom,
  type Sbom,
  sbomFileName,
  type SbomFormat,
  writeSbomFile,
} from "../sbom/sbom.ts";
import { type BaseImage, baseImageFromAnnotations } from "../sbom/sbom_inputs.ts";
import { warn } from "../util/log.ts";
import { VERSION } from "../version.ts";
import { APP_DIR, appName } from "./app_image.ts";
import type { BuiltImageInfo } from "./platform_build.ts";

/** What the SBOM hooks need from the session. */
export interface SbomAttachOptions {
  /** `--sbom`. */
  readonly format: SbomFormat;
  /** `--sbom-dir`; "" or absent writes no files. */
  readonly sbomDir?: string;
  /** The go command (`KO_GO_PATH` or `go`) that runs `go version -m`. */
  readonly goPath?: string;
  /** The ko version written as the documents' tool; defaults to this build's. */
  readonly toolVersion?: string;
  /** `--sbom-dir` files written in this session: file name → import path (see sbomHooks). */
  readonly written?: Map<string, string>;
}

/** The Builder hooks (`afterImage` / `afterIndex` of the Go builder's options). */
export interface SbomHooks {
  readonly afterImage?: (img: Image, info: BuiltImageInfo) => Promise<Image>;
  readonly afterIndex?: (index: ImageIndex, importPath: string) => Promise<ImageIndex>;
}

/** The hooks for a session: none at all for `--sbom=none`. */
export function sbomHooks(o: SbomAttachOptions): SbomHooks {
  if (o.format === "none") {
    if (o.sbomDir) warn(`--sbom-dir ${o.sbomDir} is ignored: --sbom=none makes no SBOM to write`);
    return {};
  }
  const session = { ...o, written: o.written ?? new Map<string, string>() };
  return {
    afterImage: (img, info) => attachImageSbom(img, info, session),
    afterIndex: (index, importPath) => attachIndexSbom(index, importPath, session),
  };
}

/**
 * Writes one `--sbom-dir` file. Its name holds only the last element of the import path (ko's
 * names), so `./cmd/app` and `./tools/app` share it: the later one replaces the earlier, as in
 * ko, but no longer silently.
 */
async function writeSbomDirFile(
  o: SbomAttachOptions & { sbomDir: string },
  fileName: string,
  importPath: string,
  bytes: Uint8Array,
): Promise<void> {
  const earlier = o.written?.get(fileName);
  if (earlier !== undefined && earlier !== importPath) {
    warn(
      `--sbom-dir: ${fileName} was written for ${earlier}; the SBOM of ${importPath}, which ` +
        `has the same name, replaces it (build them into different --sbom-dir directories)`,
    );
  }
  o.written?.set(fileName, importPath);
  await writeSbomFile(o.sbomDir, fileName, bytes);
}

/**
 * Runs `go version -m` on the image's binary (while it still exists), makes the image's SBOM,
 * writes it to `--sbom-dir` if set, and returns the image with the SBOM attached.
 */
export async function attachImageSbom(
  img: Image,
  info: BuiltImageInfo,
  o: SbomAttachOptions,
  signal?: AbortSignal,
): Promise<Image> {
  if (o.format === "none") return img;
  const buildInfo = await readBuildInfo(info.binaryPath, `${APP_DIR}/${info.appName}`, {
    ...(o.goPath ? { go: o.goPath } : {}),
    ...(signal ? { signal } : {}),
  });
  const base = sbomBase(img.manifest.annotations);
  const sbom = imageSbom(o.format, {
    digest: img.digest,
    mediaType: img.mediaType,
    ...(img.config.created !== undefined ? { created: img.config.created } : {}),
    ...(base ? { base } : {}),
    buildInfo,
    toolVersion: o.toolVersion ?? VERSION,
  });
  if (!sbom) return img;
  if (o.sbomDir) {
    const fileName = sbomFileName(info.appName, info.platform, o.format);
    await writeSbomDirFile({ ...o, sbomDir: o.sbomDir }, fileName, info.importPath, sbom.bytes);
  }
  return withSbom(img, sbom);
}

/**
 * Makes the SBOM of an assembled index (its children, the first child's `created`), writes
 * it to `--sbom-dir` if set, and returns the index with it attached. `go.version-m` has no
 * index document, so the index is returned as it is.
 */
export async function attachIndexSbom(
  index: ImageIndex,
  importPath: string,
  o: SbomAttachOptions,
): Promise<ImageIndex> {
  if (o.format === "none") return index;
  const created = index.children[0]?.image?.config.created;
  const base = sbomBase(index.index.annotations);
  const sbom = indexSbom(o.format, {
    digest: index.digest,
    mediaType: index.mediaType,
    ...(created !== undefined ? { created } : {}),
    ...(base ? { base } : {}),
    children: index.index.manifests.map((d) => {
      // A child whose base entry had no platform (built for its config's) is named by that.
      const config = index.children.find((c) => c.descriptor.digest === d.digest)?.image?.config;
      const platform = d.platform ??
        (config
          ? {
            ...platformFromConfig(config),
            ...(config.variant ? { variant: config.variant } : {}),
          }
          : undefined);
      return { digest: d.digest, mediaType: d.mediaType, ...(platform ? { platform } : {}) };
    }),
    toolVersion: o.toolVersion ?? VERSION,
  });
  if (!sbom) return index;
  if (o.sbomDir) {
    const fileName = sbomFileName(appName(importPath), "index", o.format);
    await writeSbomDirFile({ ...o, sbomDir: o.sbomDir }, fileName, importPath, sbom.bytes);
  }
  return withSbom(index, sbom);
}

/**
 * The base an SBOM names, from the `base.name`/`base.digest` annotations; none for the
 * built-in scratch base, which is no registry image (a `pkg:oci` purl for it would point at
 * Docker Hub's non-existent `library/scratch`).
 */
function sbomBase(
  annotations: Readonly<Record<string, string>> | undefined,
): BaseImage | undefined {
  const base = baseImageFromAnnotations(annotations);
  return base && !isScratch(base.name) ? base : undefined;
}

function withSbom<T extends Image | ImageIndex>(result: T, sbom: Sbom): T {
  return { ...result, attachments: { ...result.attachments, sbom } };
}

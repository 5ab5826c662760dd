/**
 * SBOMs of built images and indexes (ko-behaviour 7): each platform's `--sbom` document is
 * made from its binary's Go build info and attached to the image (`attachments.sbom`); an
 * index's document is attached the same way once the index is assembled. With `--sbom-dir`,
 * every document is also written there under ko's file names, whatever the publisher.
 */
import type { Image, ImageIndex } from "../image/image.ts";
import { isScratch } from "../image/scratch.ts";
import { platformFromConfig } from "../oci/platform.ts";
import type { BuildInfo } from "../go/build_info.ts";
import type { Platform } from "../oci/descriptor.ts";
import {
  imageSbom,
  indexSbom,
  type Sbom,
  sbomFileName,
  type SbomFormat,
  writeSbomFile,
} from "../sbom/sbom.ts";
import { baseImageFromAnnotations, type SbomBase } from "../sbom/sbom_inputs.ts";
import { warn } from "../util/log.ts";
import { VERSION } from "../version.ts";
import { appName } from "./app_image.ts";

/** What SBOMs a run makes, and where they are also written. */
export interface SbomSettings {
  /** `--sbom`; never `none` (a run without SBOMs has no {@link SbomMaker}). */
  readonly format: Exclude<SbomFormat, "none">;
  /** `--sbom-dir`; "" or absent writes no files. */
  readonly sbomDir?: string;
  /** The ko version written as the documents' tool; defaults to this build's. */
  readonly toolVersion?: string;
}

/** What the SBOM of one platform's image is made from. */
interface ImageSbomInput {
  readonly importPath: string;
  readonly platform: Platform;
  /** The app's name (the binary's name in `/ko-app`). */
  readonly appName: string;
  /** The build info of the image's binary. */
  readonly buildInfo: BuildInfo;
}

/**
 * Makes the SBOMs of a run's images and indexes and attaches them (never part of the image,
 * so its digest is unchanged); with `--sbom-dir`, also writes each under ko's file name.
 */
export class SbomMaker {
  /** `--sbom-dir` files written in this run: file name → import path. */
  readonly #written = new Map<string, string>();

  constructor(private readonly o: SbomSettings) {}

  /** The maker for `--sbom`/`--sbom-dir`: none at all for `--sbom=none`. */
  static forFormat(format: SbomFormat, sbomDir = ""): SbomMaker | undefined {
    if (format === "none") {
      if (sbomDir) warn(`--sbom-dir ${sbomDir} is ignored: --sbom=none makes no SBOM to write`);
      return undefined;
    }
    return new SbomMaker({ format, sbomDir });
  }

  /** The image with the SBOM made from its binary's build info attached. */
  async image(img: Image, input: ImageSbomInput): Promise<Image> {
    const o = this.o;
    const base = sbomBase(img.manifest.annotations);
    const sbom = imageSbom(o.format, {
      digest: img.digest,
      mediaType: img.mediaType,
      ...(img.config.created !== undefined ? { created: img.config.created } : {}),
      ...(base ? { base } : {}),
      buildInfo: input.buildInfo,
      toolVersion: o.toolVersion ?? VERSION,
    });
    if (!sbom) return img;
    if (o.sbomDir) {
      const fileName = sbomFileName(input.appName, input.platform, o.format);
      await this.#writeFile(o.sbomDir, fileName, input.importPath, sbom.bytes);
    }
    return withSbom(img, sbom);
  }

  /**
   * The index with its SBOM (its children, the first child's `created`) attached.
   * `go.version-m` has no index document, so the index is returned as it is.
   */
  async index(index: ImageIndex, importPath: string): Promise<ImageIndex> {
    const o = this.o;
    const created = index.children[0]?.image?.config.created;
    const base = sbomBase(index.index.annotations);
    const sbom = indexSbom(o.format, {
      digest: index.digest,
      mediaType: index.mediaType,
      ...(created !== undefined ? { created } : {}),
      ...(base ? { base } : {}),
      children: index.index.manifests.map((d) => {
        // A child whose base entry had no platform (built for its config's) is named by that.
        const config = index.children.find((c) => c.descriptor.digest === d.digest)?.image
          ?.config;
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
      await this.#writeFile(o.sbomDir, fileName, importPath, sbom.bytes);
    }
    return withSbom(index, sbom);
  }

  /**
   * Writes one `--sbom-dir` file. Its name holds only the last element of the import path
   * (ko's names), so `./cmd/app` and `./tools/app` share it: the later one replaces the
   * earlier, as in ko, with a warning.
   */
  async #writeFile(
    sbomDir: string,
    fileName: string,
    importPath: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const earlier = this.#written.get(fileName);
    if (earlier !== undefined && earlier !== importPath) {
      warn(
        `--sbom-dir: ${fileName} was written for ${earlier}; the SBOM of ${importPath}, which ` +
          `has the same name, replaces it (build them into different --sbom-dir directories)`,
      );
    }
    this.#written.set(fileName, importPath);
    await writeSbomFile(sbomDir, fileName, bytes);
  }
}

/**
 * The base an SBOM names, from the `base.name`/`base.digest` annotations; none for the
 * built-in scratch base, which is no registry image (a `pkg:oci` purl for it would point at
 * Docker Hub's non-existent `library/scratch`).
 */
function sbomBase(
  annotations: Readonly<Record<string, string>> | undefined,
): SbomBase | undefined {
  const base = baseImageFromAnnotations(annotations);
  return base && !isScratch(base.name) ? base : undefined;
}

function withSbom<T extends Image | ImageIndex>(result: T, sbom: Sbom): T {
  return { ...result, attachments: { ...result.attachments, sbom } };
}

/**
 * The SBOM formats `--sbom` offers, their media types and `--sbom-dir` file names, and the
 * entry points that turn build results into SBOM bytes. Also the plain-text dependency tree
 * `ko deps` prints.
 */
import { type BuildInfo, type GoModule, goVersionM } from "../go/build_info.ts";
import { imageCycloneDx, indexCycloneDx } from "./cyclonedx.ts";
import type { ImageSbomInputs, IndexSbomInputs } from "./sbom_inputs.ts";
import { imageSpdx, indexSpdx } from "./spdx.ts";
import type { Platform } from "../oci/descriptor.ts";
import { MediaType } from "../oci/media_types.ts";
import { formatPlatform } from "../oci/platform.ts";
import { info } from "../util/log.ts";
import { join, normalize } from "../util/posix_path.ts";
import { KoError, wrapError } from "../util/errors.ts";

import type { SbomFormat } from "./sbom_formats.ts";

export { isSbomFormat, SBOM_FORMATS, type SbomFormat } from "./sbom_formats.ts";

/** Media type of each format's documents (the SBOM layer's media type). */
const SBOM_MEDIA_TYPES: Readonly<Record<Exclude<SbomFormat, "none">, string>> = {
  spdx: MediaType.SpdxJson,
  cyclonedx: MediaType.CycloneDxJson,
  "go.version-m": MediaType.GoVersionM,
};

/** File extension (no dot) of each format's `--sbom-dir` files, as ko wrote them. */
const SBOM_FILE_EXTENSIONS: Readonly<Record<Exclude<SbomFormat, "none">, string>> = {
  spdx: "spdx.json",
  cyclonedx: "cyclonedx.json",
  "go.version-m": "go.version-m",
};

/** An SBOM document. */
export interface Sbom {
  mediaType: string;
  bytes: Uint8Array;
}

/** The SBOM of an image in a format; undefined for `none`. */
export function imageSbom(format: SbomFormat, inputs: ImageSbomInputs): Sbom | undefined {
  switch (format) {
    case "none":
      return undefined;
    case "spdx":
      return { mediaType: SBOM_MEDIA_TYPES.spdx, bytes: imageSpdx(inputs) };
    case "cyclonedx":
      return { mediaType: SBOM_MEDIA_TYPES.cyclonedx, bytes: imageCycloneDx(inputs) };
    case "go.version-m":
      return {
        mediaType: SBOM_MEDIA_TYPES["go.version-m"],
        bytes: goVersionM(inputs.buildInfo.text),
      };
  }
}

/**
 * The SBOM of an index in a format; undefined for `none` and for `go.version-m`, which has no
 * index document (as in ko).
 */
export function indexSbom(format: SbomFormat, inputs: IndexSbomInputs): Sbom | undefined {
  switch (format) {
    case "none":
    case "go.version-m":
      return undefined;
    case "spdx":
      return { mediaType: SBOM_MEDIA_TYPES.spdx, bytes: indexSpdx(inputs) };
    case "cyclonedx":
      return { mediaType: SBOM_MEDIA_TYPES.cyclonedx, bytes: indexCycloneDx(inputs) };
  }
}

/**
 * The `--sbom-dir` file name of an SBOM: `<app>-<platform, / and : as ->.<ext>` for an image
 * (`app-linux-arm-v7.spdx.json`), `<app>-index.<ext>` for an index.
 */
export function sbomFileName(
  appName: string,
  subject: Platform | "index",
  format: Exclude<SbomFormat, "none">,
): string {
  const what = subject === "index" ? "index" : formatPlatform(subject).replace(/[/:]/g, "-");
  return `${appName}-${what}.${SBOM_FILE_EXTENSIONS[format]}`;
}

/**
 * Writes an SBOM into `dir` (created if missing) with mode 0644, logging
 * `Writing SBOM to <path>`; returns the path.
 */
export async function writeSbomFile(
  dir: string,
  fileName: string,
  bytes: Uint8Array,
): Promise<string> {
  const clean = normalize(dir);
  const path = join(clean, fileName);
  info(`Writing SBOM to ${path}`);
  try {
    await Deno.mkdir(clean, { recursive: true });
    await Deno.writeFile(path, bytes, { mode: 0o644 });
    await Deno.chmod(path, 0o644);
  } catch (e) {
    // Deno's own texts here ("File exists (os error 17): mkdir …") do not say what is wrong.
    if (e instanceof Deno.errors.AlreadyExists || e instanceof Deno.errors.NotADirectory) {
      const why = e instanceof Deno.errors.AlreadyExists
        ? "is a file, not a directory"
        : "is under a file, not a directory";
      throw new KoError(`writing SBOM to ${path}: --sbom-dir ${dir} ${why}`, { cause: e });
    }
    throw wrapError(`writing SBOM to ${path}`, e);
  }
  return path;
}

/**
 * The Go modules of a binary as plain text for `ko deps`: the main module, then each
 * dependency indented, each line `path version [sum]` with a replacement shown as
 * `=> path version [sum]`. Lines keep the build info order (Go sorts dependencies by path).
 */
export function dependencyTree(bi: BuildInfo): string {
  const lines: string[] = [];
  if (bi.main.path !== "") lines.push(moduleText(bi.main));
  for (const dep of bi.deps) lines.push(`  ${moduleText(dep)}`);
  return lines.map((l) => l + "\n").join("");
}

function moduleText(m: GoModule): string {
  const own = [m.path, m.version, m.sum].filter((s) => s !== "").join(" ");
  if (m.replace === undefined) return own;
  const r = m.replace;
  return `${own} => ${[r.path, r.version, r.sum].filter((s) => s !== "").join(" ")}`;
}

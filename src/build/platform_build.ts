/**
 * One platform of a build (ko's `buildOne`): `go build` for the platform into its kept output
 * directory (locked meanwhile), the kodata and binary layers (built concurrently, in the worker
 * pool), the app image on the base, and its SBOM.
 */
import { join } from "../util/posix_path.ts";
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform, goEnvForPlatform } from "../oci/platform.ts";
import { layerMediaTypeFor } from "../oci/media_types.ts";
import type { Image } from "../image/image.ts";
import type { BuildProvenance } from "../image/provenance.ts";
import { isScratch } from "../image/scratch.ts";
import type { BuildInfo } from "../go/build_info.ts";
import { baseImageFromAnnotations } from "../sbom/sbom_inputs.ts";
import { buildLayer } from "../layer/compress.ts";
import { layerFromBuilt } from "../layer/compress.ts";
import type { BuildPlan, BuildSelector } from "../config/build_selection.ts";
import { formatRfc3339Utc } from "../config/epoch_env.ts";
import type { GoRunner, HeldLock } from "../go/go_runner.ts";
import { readBuildInfo } from "../go/read_build_info.ts";
import { errorMessage, KoError, wrapError } from "../util/errors.ts";
import type { Reporter } from "../progress/reporter.ts";
import { APP_DIR, appImage, appName, binaryEntries } from "./app_image.ts";
import type { BinaryLayers } from "./binary_layers.ts";
import { lockOutputDir, type OutputDirs } from "./build_output.ts";
import { encodeCapabilityXattr, parseCapabilities } from "./capabilities.ts";
import { debuggingSupported, debuggingUnsupportedMessage, type DelveBuilder } from "./delve.ts";
import { kodataEntries } from "./kodata.ts";
import type { SbomMaker } from "./sbom_attach.ts";

/** What every platform build of a run shares. */
export interface PlatformBuildSettings {
  /** Decides each `go build`. */
  readonly selector: Pick<BuildSelector, "plan">;
  /** Runs the go builds (bounded by `--jobs`). */
  readonly runner: GoRunner;
  /** Where go builds write (a temporary directory when there is no kept one). */
  readonly outputs: OutputDirs;
  /** Makes the binary's layer. */
  readonly binaryLayers: BinaryLayers;
  /** Makes the SBOMs; none for `--sbom=none`. */
  readonly sbom?: SbomMaker;
  /** Attach each binary's Go build info to its image (`ko deps` reads it). */
  readonly keepBuildInfo?: boolean;
  /** Attach each image's build record (`attachments.provenance`), for signed runs. */
  readonly provenance?: boolean;
  /** The go command that runs `go version -m` when the binary cannot be read directly. */
  readonly goPath: string;
  /** `--debug`: Delve, added at `/ko-app/dlv` on the platforms it supports. */
  readonly delve?: DelveBuilder;
  /** `--image-annotation` values. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `--image-label` values. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--image-user`. */
  readonly user?: string;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** `KO_DATA_PATH_ALLOWED_ROOT`. */
  readonly kodataAllowedRoot?: string;
}

/** Builds the image of one platform on `base`. */
export async function buildForPlatform(
  s: PlatformBuildSettings,
  importPath: string,
  pkgDir: string,
  base: Image,
  platform: Platform,
  annotations: Record<string, string>,
  report: Reporter,
  signal?: AbortSignal,
): Promise<Image> {
  const startedOn = buildTime(s.creationTime);
  const mediaType = layerMediaTypeFor(base.mediaType);
  const kept = await s.outputs.prepare(importPath, platform);
  report.phase("waiting");
  const lock = kept === undefined ? undefined : await lockUnlessAborted(
    s.runner.claimLock(kept) ?? lockOutputDir(kept, {
      onWait: () =>
        report.info(
          `Waiting for another ko process building ${importPath} for ` +
            `${formatPlatform(platform)} (it holds ${join(kept, ".lock")})`,
        ),
    }),
    signal,
  );
  const dir = kept ?? await Deno.makeTempDir({ prefix: "ko" });
  try {
    const output = join(dir, "out");
    const plan = await s.selector.plan({
      importPath,
      platformEnv: goEnvForPlatform(platform),
      output,
    });
    const xattr = capabilityXattr(plan, platform);
    const kodataLayer = kodataEntries(pkgDir, {
      os: platform.os,
      mtime: s.kodataCreationTime ?? 0,
      ...(s.kodataAllowedRoot ? { allowedRootOverride: s.kodataAllowedRoot } : {}),
    }).then((entries) => buildLayer(entries, { mediaType })).catch((e) => {
      throw new KoError(`tarring kodata: ${errorMessage(e)}`, { cause: e });
    });
    kodataLayer.catch(() => {}); // awaited below; don't report it unhandled meanwhile
    let delveBinary: Promise<string> | undefined;
    if (s.delve && debuggingSupported(platform)) {
      delveBinary = s.delve.binary(platform, dir, signal);
      delveBinary.catch(() => {}); // awaited below
    } else if (s.delve) {
      report.info(debuggingUnsupportedMessage(platform));
    }
    void s.binaryLayers.prepare(output, pkgDir);
    await s.runner.build(plan, {
      label: `${importPath} for ${formatPlatform(platform)}`,
      importPath,
      report,
      ...(signal ? { signal } : {}),
    });
    report.phase("layers");
    const name = appName(importPath);
    if (xattr) report.info("Some options prevent us from using layer cache");
    const [kodata, binary, delve, buildInfo] = await Promise.all([
      kodataLayer,
      s.binaryLayers.make({
        binaryPath: output,
        entries: binaryEntries(name, output, platform.os, xattr),
        mediaType,
        cacheable: !xattr,
      }),
      delveBinary?.then((path) =>
        s.binaryLayers.make({
          binaryPath: path,
          // Built like the app's layer, capabilities included, as ko does.
          entries: binaryEntries("dlv", path, platform.os, xattr),
          mediaType,
          cacheable: !xattr,
        })
      ),
      // Read while the binary is still ours (the lock is held until the end).
      s.sbom || s.keepBuildInfo || s.provenance
        ? readBuildInfo(output, `${APP_DIR}/${name}`, {
          go: s.goPath,
          ...(signal ? { signal } : {}),
        })
        : undefined,
    ]);
    let img = appImage(base, {
      kodata: layerFromBuilt(kodata),
      binary,
      ...(delve ? { delve } : {}),
    }, {
      importPath,
      os: platform.os,
      ...(s.kodataCreationTime !== undefined
        ? { kodataCreated: formatRfc3339Utc(s.kodataCreationTime) }
        : {}),
      ...(s.creationTime !== undefined ? { created: formatRfc3339Utc(s.creationTime) } : {}),
      ...(s.user ? { user: s.user } : {}),
      ...(s.labels ? { labels: s.labels } : {}),
      annotations,
    });
    if (s.sbom && buildInfo) {
      report.phase("sbom");
      img = await s.sbom.image(img, { importPath, platform, appName: name, buildInfo });
    }
    if (s.keepBuildInfo && buildInfo) {
      img = { ...img, attachments: { ...img.attachments, buildInfo } };
    }
    if (s.provenance && buildInfo) {
      const provenance = buildProvenance(importPath, platform, plan, img, buildInfo, {
        startedOn,
        finishedOn: buildTime(s.creationTime),
      });
      img = { ...img, attachments: { ...img.attachments, provenance } };
    }
    return img;
  } finally {
    if (lock) lock.release();
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Waits for the lock on a kept output dir unless `signal` aborts first (Ctrl-C, or another
 * platform's build failed): the wait can last as long as another ko process's build. A lock
 * granted after the abort is let go at once.
 */
async function lockUnlessAborted(
  locking: HeldLock | Promise<HeldLock>,
  signal?: AbortSignal,
): Promise<HeldLock> {
  if (!signal) return await locking;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([locking, aborted]);
  } catch (e) {
    if (signal.aborted) Promise.resolve(locking).then((l) => l.release(), () => {});
    throw e;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Now, or `SOURCE_DATE_EPOCH` when set (so provenance is reproducible too), in RFC 3339. */
function buildTime(creationTime: number | undefined): string {
  return formatRfc3339Utc(creationTime ?? Math.floor(Date.now() / 1000));
}

/** The build record of a platform's image, for its provenance. */
function buildProvenance(
  importPath: string,
  platform: Platform,
  plan: BuildPlan,
  img: Image,
  buildInfo: BuildInfo,
  times: { startedOn: string; finishedOn: string },
): BuildProvenance {
  const base = baseImageFromAnnotations(img.manifest.annotations);
  return {
    importPath,
    platform: formatPlatform(platform),
    flags: plan.flags,
    ldflags: plan.ldflags,
    envKeys: plan.envKeys,
    ...(base && !isScratch(base.name) ? { base } : {}),
    buildInfo,
    ...times,
  };
}

function capabilityXattr(plan: BuildPlan, platform: Platform): Uint8Array | undefined {
  if (platform.os !== "linux" || !plan.linuxCapabilities.length) return undefined;
  try {
    const caps = parseCapabilities([...plan.linuxCapabilities]);
    return caps ? encodeCapabilityXattr(caps) : undefined;
  } catch (e) {
    throw wrapError("linux_capabilities", e);
  }
}

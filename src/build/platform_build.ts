/**
 * One platform of a build (ko's `buildOne`): `go build` for the platform, the kodata and
 * binary layers (built concurrently, in the worker pool), the app image on the base, then the
 * hooks that attach an SBOM. Its `go build` runs under the `--jobs` semaphore.
 */
import { join } from "../util/posix_path.ts";
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform, goEnvForPlatform } from "../oci/platform.ts";
import { layerMediaTypeFor } from "../oci/media_types.ts";
import type { Image } from "../image/image.ts";
import type { LayerEntry } from "../layer/entry.ts";
import { buildLayer } from "../layer/compress.ts";
import { type Layer, layerFromBuilt } from "../layer/layer.ts";
import { formatRfc3339Utc } from "../config/epoch_env.ts";
import { errorMessage, KoError, wrapError } from "../util/errors.ts";
import { debug, info } from "../util/log.ts";
import type { Semaphore } from "../util/concurrency.ts";
import { appImage, appName, binaryEntries } from "./app_image.ts";
import { encodeCapabilityXattr, parseCapabilities } from "./capabilities.ts";
import { type GoBuildInvocation, runGoBuild } from "./go_build.ts";
import { kodataEntries } from "./kodata.ts";
import { type LockedDir, lockOutputDir } from "./build_output.ts";
import { claimPrefetchedLock, takeReservedSlot } from "./go_build_prefetch.ts";
import { debuggingSupported, debuggingUnsupportedMessage } from "./delve.ts";

/** A decided `go build` plus the build config facts the layers need. */
export interface BuildPlan extends GoBuildInvocation {
  /** `linux_capabilities` of the build config. */
  readonly linuxCapabilities?: readonly string[];
}

/** What the builder asks for each `go build` (decided by the configuration layer). */
export type InvocationFactory = (args: {
  importPath: string;
  platform: Platform;
  platformEnv: Record<string, string>;
  output: string;
}) => Promise<BuildPlan>;

/** Makes the binary layer; KOCACHE replaces this to reuse layers of unchanged binaries. */
export type BinaryLayerMaker = (args: {
  readonly binaryPath: string;
  readonly entries: LayerEntry[];
  readonly mediaType: string;
  /** False when options (capabilities) forbid reusing a cached layer. */
  readonly cacheable: boolean;
}) => Promise<Layer>;

/** Facts about one built image, for SBOM generation. */
export interface BuiltImageInfo {
  readonly importPath: string;
  readonly platform: Platform;
  /** The go build output (valid only during the hook). */
  readonly binaryPath: string;
  readonly appName: string;
}

/** Settings shared by every platform build of a session. */
export interface PlatformBuildSettings {
  readonly invocation: InvocationFactory;
  /** `--image-annotation` values. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly user?: string;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** `KO_DATA_PATH_ALLOWED_ROOT`. */
  readonly kodataAllowedRoot?: string;
  /**
   * A kept directory `go build` writes to for a platform (locked while in use, see
   * build_output.ts); a fresh temp dir, removed after, when unset or when it returns undefined.
   */
  readonly outputDir?: (importPath: string, platform: Platform) => Promise<string | undefined>;
  readonly binaryLayer?: BinaryLayerMaker;
  /**
   * Bounds concurrent `go build`s (`--jobs`): each holds a slot while it runs, so the layers,
   * SBOM and pushes of a finished platform overlap the next platform's compile and link.
   */
  readonly jobs?: Semaphore;
  /**
   * Called with the output path just before `go build` rewrites it, to get ready for the
   * binary layer while the build runs (e.g. src/layer/compress.ts's prepareLayerFor: load the
   * compression code, start the layer workers for a large binary). Must not reject.
   */
  readonly prepareBinaryLayer?: (output: string, pkgDir: string) => Promise<void>;
  /** May attach an SBOM after an image is built. */
  readonly afterImage?: (img: Image, info: BuiltImageInfo) => Promise<Image>;
  /**
   * `--debug`: the Delve binary for a platform (delve.ts's DelveBuilder), added at
   * `/ko-app/dlv` on the platforms Delve supports. `scratchDir` is removed after the build.
   */
  readonly delve?: (
    platform: Platform,
    scratchDir: string,
    signal?: AbortSignal,
  ) => Promise<string>;
}

/** Builds the image of one platform on `base`. */
export async function buildForPlatform(
  s: PlatformBuildSettings,
  importPath: string,
  pkgDir: string,
  base: Image,
  platform: Platform,
  annotations: Record<string, string>,
  signal?: AbortSignal,
): Promise<Image> {
  const mediaType = layerMediaTypeFor(base.mediaType);
  const kept = await s.outputDir?.(importPath, platform);
  const lock = kept === undefined ? undefined : await lockUnlessAborted(
    claimPrefetchedLock(kept) ?? lockOutputDir(kept, {
      onWait: () =>
        info(
          `Waiting for another ko process building ${importPath} for ` +
            `${formatPlatform(platform)} (it holds ${join(kept, ".lock")})`,
        ),
    }),
    signal,
  );
  const dir = kept ?? await Deno.makeTempDir({ prefix: "ko" });
  try {
    const output = join(dir, "out");
    const plan = await s.invocation({
      importPath,
      platform,
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
      delveBinary = s.delve(platform, dir, signal);
      delveBinary.catch(() => {}); // awaited below
    } else if (s.delve) {
      info(debuggingUnsupportedMessage(platform));
    }
    void s.prepareBinaryLayer?.(output, pkgDir);
    const goBuild = async () => {
      info(`Building ${importPath} for ${formatPlatform(platform)}`);
      await runGoBuild(plan, signal);
      // With "Building <ip> for <platform>", marks when this go build ran (tests read the
      // pair to see builds overlap, or not, under --jobs).
      debug(`Built ${importPath} for ${formatPlatform(platform)}`);
    };
    // A go build started at start-up holds its slot already (go_build_prefetch.ts).
    const reserved = takeReservedSlot(plan);
    if (reserved) await goBuild().finally(reserved);
    else await (s.jobs ? s.jobs.run(goBuild, signal) : goBuild());
    const name = appName(importPath);
    const entries = binaryEntries(name, output, platform.os, xattr);
    const makeBinaryLayer: BinaryLayerMaker = s.binaryLayer ??
      (async (a) => layerFromBuilt(await buildLayer(a.entries, { mediaType: a.mediaType })));
    if (xattr) info("Some options prevent us from using layer cache");
    const [kodata, binary, delve] = await Promise.all([
      kodataLayer,
      makeBinaryLayer({ binaryPath: output, entries, mediaType, cacheable: !xattr }),
      delveBinary?.then((path) =>
        makeBinaryLayer({
          binaryPath: path,
          // Built like the app's layer, capabilities included, as ko does.
          entries: binaryEntries("dlv", path, platform.os, xattr),
          mediaType,
          cacheable: !xattr,
        })
      ),
    ]);
    const layers = { kodata: layerFromBuilt(kodata), binary, ...(delve ? { delve } : {}) };
    const img = appImage(base, layers, {
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
    return s.afterImage
      ? await s.afterImage(img, { importPath, platform, binaryPath: output, appName: name })
      : img;
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
  locking: Promise<LockedDir | undefined>,
  signal?: AbortSignal,
): Promise<LockedDir | undefined> {
  if (!signal) return locking;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([locking, aborted]);
  } catch (e) {
    if (signal.aborted) locking.then((l) => l?.release(), () => {});
    throw e;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function capabilityXattr(plan: BuildPlan, platform: Platform): Uint8Array | undefined {
  if (platform.os !== "linux" || !plan.linuxCapabilities?.length) return undefined;
  try {
    const caps = parseCapabilities([...plan.linuxCapabilities]);
    return caps ? encodeCapabilityXattr(caps) : undefined;
  } catch (e) {
    throw wrapError("linux_capabilities", e);
  }
}

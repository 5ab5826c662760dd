/**
 * `ko deps IMPORTPATH`: the Go modules that would be baked into the image, read with
 * `go version -m` from the binary built exactly as `ko build` builds it (same `.ko.yaml`
 * flags, ldflags and environment) for one platform. Nothing is pulled or pushed: the binary
 * and its kodata are laid on the built-in empty base, so an SBOM (`--sbom`) describes that
 * app-only image (its digest is that of the ko layers on an empty base, not of any pushed
 * image) and names no base image.
 */
import type { DepsHandler } from "./options.ts";
import type { BuildOptions } from "./options.ts";
import { BaseImageResolver } from "../build/base_image.ts";
import { GoBuilder } from "../build/go_builder.ts";
import type { BuildResult, Image } from "../image/image.ts";
import { SCRATCH } from "../image/scratch.ts";
import { closeLayerPool } from "../layer/worker_pool.ts";
import { formatPlatformSpec, type PlatformSpec, resolvePlatformSpec } from "../oci/platform.ts";
import { type BuildInfo, readBuildInfo } from "../sbom/build_info.ts";
import { dependencyTree, imageSbom } from "../sbom/sbom.ts";
import { Semaphore } from "../util/concurrency.ts";
import { KoError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { APP_DIR } from "../build/app_image.ts";
import { buildReference, qualifyImportPath } from "./publish_steps.ts";
import { loadSettings } from "./settings.ts";

/** The `ko deps` handler. */
export const runDeps: DepsHandler = async (ctx, args, options) => {
  const importPath = args[0]!;
  const settings = await loadSettings(ctx, buildOptionsFor(options.platforms));
  const platforms = singlePlatform(
    resolvePlatformSpec({
      flag: options.platforms,
      config: settings.config.defaultPlatforms,
      env: ctx.env,
    }),
    options.platforms.length === 0 && settings.config.defaultPlatforms.length > 0,
  );
  let captured: { image: Image; buildInfo: BuildInfo } | undefined;
  const builder = new GoBuilder({
    locate: settings.locate,
    platforms,
    bases: new BaseImageResolver(noRegistry, { defaultBaseImage: SCRATCH }),
    invocation: settings.invocation,
    jobs: new Semaphore(1),
    // Dated and with kodata as ko build makes it, so the SBOM describes that image.
    ...(settings.creationTime !== undefined ? { creationTime: settings.creationTime } : {}),
    ...(settings.kodataCreationTime !== undefined
      ? { kodataCreationTime: settings.kodataCreationTime }
      : {}),
    ...(ctx.env.KO_DATA_PATH_ALLOWED_ROOT
      ? { kodataAllowedRoot: ctx.env.KO_DATA_PATH_ALLOWED_ROOT }
      : {}),
    afterImage: async (image, info) => {
      const buildInfo = await readBuildInfo(info.binaryPath, `${APP_DIR}/${info.appName}`, {
        go: settings.goPath,
        signal: ctx.signal,
      });
      captured = { image, buildInfo };
      return image;
    },
  });
  let result: BuildResult;
  try {
    const ref = await qualifyImportPath(builder, importPath);
    result = await buildReference(builder, ref, importPath, ctx.signal);
  } finally {
    closeLayerPool();
  }
  if (result.kind !== "image" || captured === undefined) {
    throw new KoError(`ko deps built no single image for "${importPath}"`);
  }
  await ctx.stdout.write(depsOutput(options.sbom, captured.image, captured.buildInfo));
};

/**
 * What `ko deps` prints: the dependency tree for "", else the SBOM document of the app image
 * in that format (`go.version-m` is the `go version -m` text itself).
 */
export function depsOutput(
  format: "" | "spdx" | "cyclonedx" | "go.version-m",
  image: Image,
  buildInfo: BuildInfo,
): Uint8Array | string {
  if (format === "") return dependencyTree(buildInfo);
  const sbom = imageSbom(format, {
    digest: image.digest,
    mediaType: image.mediaType,
    ...(image.config.created !== undefined ? { created: image.config.created } : {}),
    buildInfo,
    toolVersion: VERSION,
  });
  return sbom!.bytes;
}

/**
 * The one platform `ko deps` builds: the `--platform` / `defaultPlatforms` / `GOOS`-`GOARCH`
 * choice, which must name exactly one complete `os/arch[/variant]`.
 */
export function singlePlatform(spec: PlatformSpec, fromConfig = false): PlatformSpec {
  const hint = "pass one, e.g. --platform=linux/arm64";
  // Without --platform the list is defaultPlatforms (.ko.yaml or KO_DEFAULTPLATFORMS): say so.
  const source = fromConfig ? "defaultPlatforms" : "--platform";
  if (spec.all) {
    throw new KoError(`ko deps builds one binary and ${source}=all names no single one: ${hint}`);
  }
  if (spec.platforms.length !== 1) {
    throw new KoError(
      `ko deps builds one binary but ${spec.platforms.length} platforms were given ${
        formatPlatformSpec(spec)
      }${fromConfig ? " by defaultPlatforms (.ko.yaml or KO_DEFAULTPLATFORMS)" : ""}: ${hint}`,
    );
  }
  const p = spec.platforms[0]!;
  if (!p.os || !p.architecture) {
    throw new KoError(
      `ko deps needs a complete platform (os/arch), not ${JSON.stringify(p.os)}: ${hint}`,
    );
  }
  return spec;
}

/** The build flags `ko deps` builds with: none but the platform (ldflags come from .ko.yaml). */
function buildOptionsFor(platforms: string[]): BuildOptions {
  return {
    jobs: 1,
    disableOptimizations: false,
    ldflags: [],
    sbom: "none",
    sbomDir: "",
    platforms,
    imageLabels: {},
    imageAnnotations: {},
    imageUser: "",
    debug: false,
  };
}

/** The base reader of a scratch-only build: never called. */
const noRegistry = {
  getManifest: () => Promise.reject(new KoError("ko deps reads no registry")),
  getBlob: () => Promise.reject(new KoError("ko deps reads no registry")),
  getBlobBytes: () => Promise.reject(new KoError("ko deps reads no registry")),
};

/**
 * `ko deps IMPORTPATH`: the Go modules that would be baked into the image, read with
 * `go version -m` from the binary built exactly as `ko build` builds it (same `.ko.yaml`
 * flags, ldflags and environment) for one platform. Nothing is pulled or pushed: the binary
 * and its kodata are laid on the built-in empty base, so an SBOM (`--sbom`) describes that
 * app-only image (its digest is that of the ko layers on an empty base, not of any pushed
 * image) and names no base image.
 */
import type { DepsHandler } from "./options.ts";
import { BaseImageResolver } from "../build/base_image.ts";
import { GoBuilder } from "../build/go_builder.ts";
import type { BuildResult, Image } from "../image/image.ts";
import { SCRATCH } from "../image/scratch.ts";
import { closeLayerPool } from "../layer/worker_pool.ts";
import { formatPlatformSpec, type PlatformSpec, resolvePlatformSpec } from "../oci/platform.ts";
import type { BuildInfo } from "../go/build_info.ts";
import { dependencyTree, imageSbom } from "../sbom/sbom.ts";
import { KoError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { qualifyImportPath } from "./pipeline.ts";
import { loadRunSettings } from "./setup.ts";
import { buildResult } from "../build/builder.ts";
import { LOG_ONLY } from "../progress/reporter.ts";
import { FRESH_BINARY_LAYERS } from "../build/binary_layers.ts";
import { OutputDirs } from "../build/build_output.ts";
import { GoTools } from "../go/go_tools.ts";
import { errorMessage } from "../util/errors.ts";

/** The `ko deps` handler. */
export const runDeps: DepsHandler = async (ctx, args, options) => {
  const importPath = args[0]!;
  const go = new GoTools(1);
  const settings = await loadRunSettings(
    ctx,
    { ldflags: [], disableOptimizations: false, debug: false },
    go.lister,
  );
  const defaultPlatforms = settings.selector.config.defaultPlatforms;
  const platforms = singlePlatform(
    resolvePlatformSpec({ flag: options.platforms, config: defaultPlatforms, env: ctx.env }),
    options.platforms.length === 0 && defaultPlatforms.length > 0,
  );
  // Dated and with kodata as ko build makes it, so the SBOM describes that image.
  const builder = new GoBuilder({
    selector: settings.selector,
    lister: go.lister,
    runner: go.runner,
    platforms,
    bases: new BaseImageResolver(noRegistry, { defaultBaseImage: SCRATCH }),
    outputs: new OutputDirs(undefined),
    binaryLayers: FRESH_BINARY_LAYERS,
    keepBuildInfo: true,
    goPath: settings.goPath,
    ...(settings.creationTime !== undefined ? { creationTime: settings.creationTime } : {}),
    ...(settings.kodataCreationTime !== undefined
      ? { kodataCreationTime: settings.kodataCreationTime }
      : {}),
    ...(settings.kodataAllowedRoot ? { kodataAllowedRoot: settings.kodataAllowedRoot } : {}),
  });
  let result: BuildResult;
  try {
    const ref = await qualifyImportPath(builder, importPath);
    try {
      result = await buildResult(builder, ref, LOG_ONLY, ctx.signal);
    } catch (e) {
      throw new KoError(`error building "${importPath}": ${errorMessage(e)}`, { cause: e });
    }
  } finally {
    closeLayerPool();
    await go.close();
  }
  const buildInfo = result.kind === "image" ? result.attachments?.buildInfo : undefined;
  if (result.kind !== "image" || buildInfo === undefined) {
    throw new KoError(`ko deps built no single image for "${importPath}"`);
  }
  await ctx.stdout.write(depsOutput(options.sbom, result, buildInfo));
};

/**
 * What `ko deps` prints: the dependency tree for "", else the SBOM document of the app image
 * in that format (`go.version-m` is the `go version -m` text itself).
 */
function depsOutput(
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
function singlePlatform(spec: PlatformSpec, fromConfig = false): PlatformSpec {
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

/** The base reader of a scratch-only build: never called. */
const noRegistry = {
  getManifest: () => Promise.reject(new KoError("ko deps reads no registry")),
  getBlob: () => Promise.reject(new KoError("ko deps reads no registry")),
  getBlobBytes: () => Promise.reject(new KoError("ko deps reads no registry")),
};

/**
 * Settings of a build session derived from the configuration (`.ko.yaml`, `KO_*`), the
 * environment and the flags: the config itself, where each package is listed and built, how
 * each `go build` is invoked, and the reproducibility epochs.
 */
import { resolve } from "../util/posix_path.ts";
import type { VerbContext } from "../cli/context.ts";
import type { BuildOptions } from "../cli/options/build_options.ts";
import type { InvocationFactory, PackageLocator } from "../build/go_builder.ts";
import { isLocalImport } from "../build/go_list.ts";
import { goBuildInvocation, relativePath, selectBuildConfig } from "../config/build_settings.ts";
import { parseEpochEnv } from "../config/epoch_env.ts";
import { type KoConfig, loadKoConfig } from "../config/ko_config.ts";
import { wrapError } from "../util/errors.ts";

/** Everything a session derives from config, environment and flags. */
export interface KoSettings {
  readonly config: KoConfig;
  readonly locate: PackageLocator;
  readonly invocation: InvocationFactory;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** `KO_GO_PATH` or `go`. */
  readonly goPath: string;
}

/** Reads the settings for a session. */
export async function loadSettings(ctx: VerbContext, options: BuildOptions): Promise<KoSettings> {
  const { env, cwd } = ctx;
  const config = await loadKoConfig({ cwd, env });
  const goPath = env.KO_GO_PATH || "go";
  const creationTime = parseEpochEnv("SOURCE_DATE_EPOCH", env);
  const kodataCreationTime = parseEpochEnv("KO_DATA_DATE_EPOCH", env);
  const locate: PackageLocator = async (importPath) => {
    const build = await selectBuildConfig(config, importPath, cwd, env);
    if (!build) return { dir: cwd, path: importPath };
    return {
      dir: resolve(cwd, build.dir),
      path: isLocalImport(importPath) ? relativePath(build.dir, importPath, cwd) : importPath,
    };
  };
  const invocation: InvocationFactory = async ({ importPath, platformEnv, output }) => {
    const build = await selectBuildConfig(config, importPath, cwd, env);
    try {
      const invocation = await goBuildInvocation({
        config,
        build,
        importPath,
        platformEnv,
        processEnv: env,
        cliLdflags: options.ldflags,
        disableOptimizations: options.disableOptimizations || options.debug,
        ...(creationTime !== undefined ? { creationTime } : {}),
        cwd,
        goPath,
        output,
      });
      return { ...invocation, linuxCapabilities: build?.linuxCapabilities ?? [] };
    } catch (e) {
      throw wrapError("build", e);
    }
  };
  return {
    config,
    locate,
    invocation,
    goPath,
    ...(creationTime !== undefined ? { creationTime } : {}),
    ...(kodataCreationTime !== undefined ? { kodataCreationTime } : {}),
  };
}

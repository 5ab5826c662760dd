/**
 * Settings of a build session derived from the configuration (`.ko.yaml`, `KO_*`), the
 * environment and the flags: the config itself, where each package is listed and built, how
 * each `go build` is invoked, and the reproducibility epochs.
 */
import { resolve } from "../util/posix_path.ts";
import type { VerbContext } from "./context.ts";
import type { BuildOptions } from "./options.ts";
import type { InvocationFactory, PackageLocator } from "../build/go_builder.ts";
import { goList, type GoPackage, isLocalImport } from "../build/go_list.ts";
import { definedEnv } from "../util/command.ts";
import { goBuildInvocation, relativePath, selectBuildConfig } from "../config/build_settings.ts";
import { parseEpochEnv } from "../config/epoch_env.ts";
import { type KoConfig, loadKoConfig } from "../config/ko_config.ts";
import { wrapError } from "../util/errors.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

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
  // A local path qualified in a build's directory without being that build's package
  // (`./app/cmd/bar` in the `app` build's module): its import path is listed and built in that
  // directory too, with the default flags, as ko's builder selection does. Without this it was
  // looked for in the working directory's module ("no required module provides package").
  const qualifiedIn = new Map<string, string>();
  const locate: PackageLocator = async (importPath) => {
    const build = await selectBuildConfig(config, importPath, cwd, env);
    if (!build) {
      const ip = withoutKoScheme(importPath);
      if (!isLocalImport(ip) && !qualifiedIn.has(ip)) await findModuleDir(ip);
      const dir = qualifiedIn.get(ip);
      return { dir: dir === undefined ? cwd : resolve(cwd, dir), path: importPath };
    }
    const dir = resolve(cwd, build.dir);
    if (!isLocalImport(importPath)) return { dir, path: importPath };
    const path = relativePath(build.dir, importPath, cwd);
    // The listing selectBuildConfig just made (memoised), for the import path it gave.
    const pkgs = await goList(dir, [path], definedEnv(env)).catch(() => []);
    const ip = pkgs.length === 1 ? pkgs[0]!.ImportPath : undefined;
    if (ip && ip !== build.importPath && !ip.startsWith(".")) qualifiedIn.set(ip, build.dir);
    return { dir, path };
  };
  // A full import path that is no build's package, and not found from the working directory
  // (example.com/app/cmd/bar, in the module of a build with `dir: app`): the first build
  // directory (in file order) whose module has it. ko picks a build in random map order.
  const findModuleDir = async (ip: string) => {
    const found = (pkgs: GoPackage[]) => pkgs.length === 1 && !pkgs[0]!.Error;
    // The same listing the builder makes next (memoised).
    if (config.builds.length === 0 || found(await goList(cwd, [ip]).catch(() => []))) return;
    for (const dir of new Set(config.builds.map((b) => b.dir))) {
      if (resolve(cwd, dir) === cwd) continue;
      if (found(await goList(resolve(cwd, dir), [ip]).catch(() => []))) {
        qualifiedIn.set(ip, dir);
        return;
      }
    }
  };
  const invocation: InvocationFactory = async ({ importPath, platformEnv, output }) => {
    const build = await selectBuildConfig(config, importPath, cwd, env);
    const dir = build ? undefined : qualifiedIn.get(withoutKoScheme(importPath));
    try {
      const invocation = await goBuildInvocation({
        config,
        build,
        ...(dir !== undefined ? { dir } : {}),
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

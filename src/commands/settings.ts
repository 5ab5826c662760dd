/**
 * Settings of a build session derived from the configuration (`.ko.yaml`, `KO_*`), the
 * environment and the flags: the config itself, how each `go build` is invoked, and the
 * reproducibility epochs.
 */
import type { VerbContext } from "../cli/context.ts";
import type { BuildOptions } from "../cli/options/build_options.ts";
import type { InvocationFactory } from "../build/go_builder.ts";
import { KoError } from "../util/errors.ts";

/** The configuration subset the session reads (filled by the .ko.yaml loader). */
export interface SessionConfig {
  defaultBaseImage?: string;
  baseImageOverrides: Record<string, string>;
  defaultPlatforms: string[];
}

/** Everything a session derives from config, environment and flags. */
export interface KoSettings {
  readonly config: SessionConfig;
  readonly invocation: InvocationFactory;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** Registries `--insecure-registry` applies to. */
  readonly insecureRegistries: string[];
}

/** Reads the settings for a session. */
export function loadSettings(ctx: VerbContext, options: BuildOptions): Promise<KoSettings> {
  const env = ctx.env;
  const goPath = env.KO_GO_PATH || "go";
  const config: SessionConfig = {
    ...(env.KO_DEFAULTBASEIMAGE ? { defaultBaseImage: env.KO_DEFAULTBASEIMAGE } : {}),
    baseImageOverrides: {},
    defaultPlatforms: env.KO_DEFAULTPLATFORMS ? env.KO_DEFAULTPLATFORMS.split(/\s+/) : [],
  };
  const invocation: InvocationFactory = ({ importPath, platformEnv, output }) => {
    const flags = ["-trimpath"];
    if (options.disableOptimizations || options.debug) flags.push("-gcflags", "all=-N -l");
    if (options.ldflags.length) flags.push(`-ldflags=${options.ldflags.join(" ")}`);
    return Promise.resolve({
      goPath,
      dir: ctx.cwd,
      args: ["build", ...flags, "-o", output, importPath],
      env: { CGO_ENABLED: "0", ...platformEnv, ...env },
    });
  };
  return Promise.resolve({
    config,
    invocation,
    ...epoch("SOURCE_DATE_EPOCH", env, "creationTime"),
    ...epoch("KO_DATA_DATE_EPOCH", env, "kodataCreationTime"),
    insecureRegistries: [],
  });
}

function epoch<K extends string>(
  name: string,
  env: Readonly<Record<string, string>>,
  key: K,
): Partial<Record<K, number>> {
  const v = env[name];
  if (v === undefined || v === "") return {};
  if (!/^-?\d+$/.test(v)) {
    throw new KoError(
      `the environment variable ${name} should be the number of seconds since January 1st 1970, 00:00 UTC, got: ${v}`,
    );
  }
  return { [key]: Number(v) } as Partial<Record<K, number>>;
}

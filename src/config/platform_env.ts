/**
 * The build environment must build the platform it is for. `go build` takes `GOOS`, `GOARCH`,
 * `GOARM` and `GOAMD64` from its environment, and the configured `env` (a `builds[]` entry's
 * or `defaultEnv`) and the process environment come after the platform's values, so one of
 * them could silently put, say, an arm64 binary into an image that says linux/amd64 (ko does
 * so). Such a contradiction is refused instead.
 */
import { KoError } from "../util/errors.ts";

/** The variables that decide what `go build` produces for a platform. */
const PLATFORM_VARIABLES = ["GOOS", "GOARCH", "GOARM", "GOAMD64"] as const;

/** One source of environment entries, in the order they apply. */
export interface EnvSource {
  /** For messages: `'builds' entry "app" 'env'`, `'defaultEnv'`, `the environment`. */
  name: string;
  /** The variables it sets. */
  vars: Readonly<Record<string, string>>;
  /** The process environment, where GOOS and GOARCH together choose the platform. */
  isProcess?: boolean;
}

function platformName(p: Readonly<Record<string, string>>): string {
  const arm = p.GOARCH === "arm" && p.GOARM ? `/v${p.GOARM}` : "";
  const amd = p.GOAMD64 ? `/${p.GOAMD64}` : "";
  return `${p.GOOS}/${p.GOARCH}${arm}${amd}`;
}

/**
 * Throws a KoError when a source sets a platform variable to another value than the
 * platform's own (`platformEnv`, from goEnvForPlatform). `GOARM` counts only for an arm
 * platform with a variant, `GOAMD64` only for an amd64 platform with one: without a variant
 * the image promises no particular level. The last source setting a variable is the one
 * named, as it is the one go build sees.
 */
export function checkPlatformEnv(
  platformEnv: Readonly<Record<string, string>>,
  sources: readonly EnvSource[],
): void {
  for (const name of PLATFORM_VARIABLES) {
    const wanted = platformEnv[name];
    if (wanted === undefined) continue;
    const last = sources.findLast((s) => s.vars[name] !== undefined);
    const value = last?.vars[name];
    if (last === undefined || value === wanted) continue;
    const fix = last.isProcess
      ? name === "GOOS" || name === "GOARCH"
        ? `GOOS and GOARCH choose the platform only when both are set: set both, or unset ${name} and use --platform`
        : `unset ${name}, or choose the platform with --platform`
      : `remove it, and choose the platform with --platform or defaultPlatforms`;
    // An empty value makes go build use this machine's own.
    const made = value === ""
      ? "a binary for this machine's platform"
      : `a ${platformName({ ...platformEnv, [name]: value! })} binary`;
    throw new KoError(
      `${name}=${value === "" ? '""' : value} from ${last.name} contradicts the platform ` +
        `${platformName(platformEnv)} being built (go build would make ${made} for it): ${fix}`,
    );
  }
}

/**
 * Platforms as ko uses them: parsing `--platform` / `defaultPlatforms` values, choosing the
 * default from `GOOS`/`GOARCH`/`GOARM`, matching index entries and single-image bases, and the
 * `go build` environment for a platform (ko-behaviour 5.4 and 5.5).
 *
 * @example
 * ```ts
 * const spec = resolvePlatformSpec({ flag: ["linux/amd64,linux/arm64"], env: {} });
 * platformMatches(spec, { os: "linux", architecture: "arm64", variant: "v8" }); // true
 * ```
 */
import { KoError } from "../util/errors.ts";
import type { Platform } from "./descriptor.ts";

/** A parsed platform list: `all`, or the platforms to build (empty fields are wildcards). */
export interface PlatformSpec {
  /** `all`: every platform except `unknown` ones, even entries without a platform. */
  readonly all: boolean;
  /** The requested platforms; empty when `all`. */
  readonly platforms: readonly Platform[];
}

/** The environment variables that pick the default platform and conflict with a list. */
const PLATFORM_ENV = ["GOOS", "GOARCH", "GOARM"] as const;

/**
 * Parses `os[/arch[/variant]][:osversion]` after trimming spaces, like ggcr's
 * `v1.ParsePlatform`. Missing fields are empty strings (wildcards when matching). An empty
 * os, more than one `:` or more than 3 parts is a KoError.
 *
 * @example
 * ```ts
 * parsePlatform("windows/amd64:10.0.17763"); // { os: "windows", architecture: "amd64", "os.version": "10.0.17763" }
 * ```
 */
export function parsePlatform(s: string): Platform {
  const text = s.trim();
  const colon = text.split(":");
  if (colon.length > 2) {
    throw new KoError(`invalid platform ${quote(s)}: expected os[/arch[/variant]][:osversion]`);
  }
  const parts = colon[0]!.split("/");
  if (parts.length > 3) throw new KoError(`too many slashes in platform spec: ${s}`);
  const [os = "", architecture = "", variant = ""] = parts;
  if (os === "") {
    throw new KoError(
      `invalid platform ${quote(s)}: the os is empty; expected os[/arch[/variant]][:osversion]`,
    );
  }
  const p: Platform = { os, architecture };
  if (variant !== "") p.variant = variant;
  if (colon[1]) p["os.version"] = colon[1];
  return p;
}

/**
 * Parses a platform list as ko does: a single entry is itself split on `,`; `all` alone
 * means everything; `all` with anything else is `all or specific platforms should be used`;
 * every other entry goes through {@link parsePlatform}. An empty list matches nothing
 * ({@link resolvePlatformSpec} supplies ko's defaults).
 */
export function parsePlatformList(values: readonly string[]): PlatformSpec {
  let list = [...values];
  if (list.length === 1) list = list[0]!.split(",");
  list = list.map((v) => v.trim());
  if (list.length === 0) return { all: false, platforms: [] };
  if (list.includes("all")) {
    if (list.length > 1) throw new KoError("all or specific platforms should be used");
    return { all: true, platforms: [] };
  }
  return { all: false, platforms: list.map(parsePlatform) };
}

/**
 * Whether a candidate (an index entry's platform, or a base config's) is wanted by a spec:
 * `unknown` os or arch never matches (Docker's attestation entries), not even with `all`;
 * `all` matches everything else, a missing platform included; otherwise a missing platform
 * never matches, and some spec must agree on every field it sets. A Windows spec osversion
 * `X.Y.Z` also matches a candidate `X.Y.Z.B` (any build number).
 */
export function platformMatches(spec: PlatformSpec, candidate?: Platform): boolean {
  if (candidate && (candidate.os === "unknown" || candidate.architecture === "unknown")) {
    return false;
  }
  if (spec.all) return true;
  if (!candidate) return false;
  return spec.platforms.some((p) => platformFieldsMatch(p, candidate));
}

function platformFieldsMatch(want: Platform, got: Platform): boolean {
  if (want.os && want.os !== got.os) return false;
  if (want.architecture && want.architecture !== got.architecture) return false;
  if (want.variant && want.variant !== got.variant) return false;
  const wantVersion = want["os.version"] ?? "";
  const gotVersion = got["os.version"] ?? "";
  if (wantVersion === "" || wantVersion === gotVersion) return true;
  if (want.os !== "windows") return false;
  if (dots(wantVersion) !== 2 || dots(gotVersion) !== 3) return false;
  return gotVersion.slice(0, gotVersion.lastIndexOf(".")) === wantVersion;
}

function dots(s: string): number {
  return s.split(".").length - 1;
}

/**
 * Throws ko's mismatch error when a single-image base does not fit the spec:
 * `base image platform "linux/arm64" does not match desired platforms [linux/amd64]`. ko
 * leaves the base's variant out of the comparison (see {@link platformFromConfig}); when that
 * is why it fails (`--platform=linux/arm/v7` on an arm/v7 base, `baseVariant` "v7"), the
 * error says so and names the platform to ask for instead.
 */
export function assertPlatformMatches(
  spec: PlatformSpec,
  candidate: Platform,
  baseVariant?: string,
): void {
  if (platformMatches(spec, candidate)) return;
  let hint = "";
  const withVariant = baseVariant ? { ...candidate, variant: baseVariant } : undefined;
  if (withVariant && platformMatches(spec, withVariant)) {
    hint = ` (the base's variant ${quote(baseVariant!)} is not compared, as in ko: ask for ` +
      `${formatPlatform(candidate)} to build on this base)`;
  }
  throw new KoError(
    `base image platform ${quote(formatPlatform(candidate))} does not match desired platforms ` +
      formatPlatformSpec(spec) + hint,
  );
}

/**
 * The platform of a single-image base, from its config: os (default `linux`), architecture
 * (default `amd64`) and os.version. The variant is ignored, as ko does, so
 * `--platform=linux/arm/v7` never matches a single-image arm base.
 */
export function platformFromConfig(
  config: { os?: string; architecture?: string; "os.version"?: string },
): Platform {
  const p: Platform = { os: config.os || "linux", architecture: config.architecture || "amd64" };
  if (config["os.version"]) p["os.version"] = config["os.version"];
  return p;
}

/**
 * The platform variables `go build` needs: `GOOS`, `GOARCH`, plus `GOARM` for arm variants
 * (`v5`–`v7` as the number, above 7 → `7`, below 5 omitted) or `GOAMD64` for amd64 variants
 * (verbatim, e.g. `v3`). Other architectures ignore the variant. `CGO_ENABLED` is not platform
 * specific and is left to the caller.
 *
 * @example
 * ```ts
 * goEnvForPlatform({ os: "linux", architecture: "arm", variant: "v7" }); // { GOOS: "linux", GOARCH: "arm", GOARM: "7" }
 * ```
 */
export function goEnvForPlatform(p: Platform): Record<string, string> {
  const env: Record<string, string> = { GOOS: p.os, GOARCH: p.architecture };
  const variant = p.variant ?? "";
  if (variant === "") return env;
  if (p.architecture === "arm") {
    const m = /^v(\d+)$/.exec(variant);
    if (!m) {
      throw new KoError(
        `goarm failure: arm variant ${quote(variant)} is not of the form v<number> (e.g. v7)`,
      );
    }
    const n = Number(m[1]);
    if (n >= 5) env.GOARM = String(Math.min(n, 7));
  } else if (p.architecture === "amd64") {
    env.GOAMD64 = variant;
  }
  return env;
}

/**
 * The platform list used when neither `--platform` nor `defaultPlatforms` is given:
 * `GOOS/GOARCH` if both are non-empty, else `linux/amd64`; `/v<GOARM>` appended when GOARCH
 * contains `arm` and GOARM is non-empty. The host platform is never used.
 */
export function defaultPlatforms(env: Readonly<Record<string, string | undefined>>): string[] {
  const goos = env.GOOS ?? "";
  const goarch = env.GOARCH ?? "";
  const goarm = env.GOARM ?? "";
  let platform = goos !== "" && goarch !== "" ? `${goos}/${goarch}` : "linux/amd64";
  if (goarch.includes("arm") && goarm !== "") platform += `/v${goarm}`;
  return [platform];
}

/** Where a platform list came from, for {@link resolvePlatformSpec}. */
interface PlatformSources {
  /** `--platform` values (already split as a pflag StringSlice would). */
  flag?: readonly string[];
  /** `defaultPlatforms` from `.ko.yaml` or `KO_DEFAULTPLATFORMS`. */
  config?: readonly string[];
  /** The process environment (GOOS, GOARCH, GOARM). */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The platform spec of a build: `--platform` if non-empty, else `defaultPlatforms`, else
 * {@link defaultPlatforms} from the environment. A given list combined with any of `GOOS`,
 * `GOARCH`, `GOARM` being set (even to empty) is ko's error
 * `cannot use --platform or defaultPlatforms in .ko.yaml or env KO_DEFAULTPLATFORMS combined
 * with GOOS="…"`.
 */
export function resolvePlatformSpec(sources: PlatformSources): PlatformSpec {
  const given = sources.flag?.length ? sources.flag : sources.config?.length ? sources.config : [];
  if (given.length === 0) return parsePlatformList(defaultPlatforms(sources.env));
  for (const name of PLATFORM_ENV) {
    const value = sources.env[name];
    if (value !== undefined) {
      throw new KoError(
        `cannot use --platform or defaultPlatforms in .ko.yaml or env KO_DEFAULTPLATFORMS ` +
          `combined with ${name}=${quote(value)}`,
      );
    }
  }
  return parsePlatformList(given);
}

/**
 * A platform as ggcr's `Platform.String()` prints it, empty fields left out:
 * `linux`, `linux/arm64`, `linux/arm/v7`, `windows/amd64:10.0.17763`.
 */
export function formatPlatform(p: Platform): string {
  if (!p.os) return "";
  let s = p.os;
  if (p.architecture) s += `/${p.architecture}`;
  if (p.variant) s += `/${p.variant}`;
  if (p["os.version"]) s += `:${p["os.version"]}`;
  return s;
}

/** A spec as Go prints a platform slice: `[linux/amd64 linux/arm64]`, or `[all]`. */
export function formatPlatformSpec(spec: PlatformSpec): string {
  if (spec.all) return "[all]";
  return `[${spec.platforms.map(formatPlatform).join(" ")}]`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

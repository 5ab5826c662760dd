/**
 * The version of this ko, printed by `ko version` and used in the User-Agent (`ko/<version>`)
 * and SBOM creator. Like goreleaser builds of ko, it has no `v` prefix.
 */
export const VERSION = "0.1.0";

/**
 * The oldest Deno that runs ko: the version its tests run on (the launcher pins it). main.ts
 * refuses an older one before loading anything else.
 */
export const MINIMUM_DENO_VERSION = "2.9.6";

/**
 * The one-line complaint about a Deno version older than {@link MINIMUM_DENO_VERSION}, or
 * `undefined` when `denoVersion` (`Deno.version.deno`, e.g. `2.9.6` or `2.10.0-rc.1`) is new
 * enough.
 */
export function unsupportedDenoMessage(denoVersion: string): string | undefined {
  const have = numericParts(denoVersion);
  const need = numericParts(MINIMUM_DENO_VERSION);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    if (h > need[i]!) return undefined;
    if (h < need[i]!) {
      return `ko needs Deno ${MINIMUM_DENO_VERSION} or newer, but this is Deno ${denoVersion}: ` +
        "upgrade it (deno upgrade)";
    }
  }
  return undefined;
}

/** `2.9.6-rc.1` → [2, 9, 6]. */
function numericParts(version: string): number[] {
  return version.split(/[-+]/, 1)[0]!.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

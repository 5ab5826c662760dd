/**
 * The `--sbom` values. Kept apart from sbom.ts so that declaring the flag does not load the
 * SBOM generators (start-up cost of every ko run).
 */

/** An `--sbom` value: a document format, or `none` for no SBOM. */
export type SbomFormat = "spdx" | "cyclonedx" | "go.version-m" | "none";

/** Every {@link SbomFormat}, the default (`spdx`) first. */
export const SBOM_FORMATS: readonly SbomFormat[] = ["spdx", "cyclonedx", "go.version-m", "none"];

/** Whether a string is an {@link SbomFormat}. */
export function isSbomFormat(s: string): s is SbomFormat {
  return (SBOM_FORMATS as readonly string[]).includes(s);
}

/** The `ko://` scheme that marks an import path to build (in YAML, `.ko.yaml` keys, refs). */

/** The scheme that marks a reference to build. */
export const KO_SCHEME = "ko://";

/**
 * The import path without a leading `ko://`; anything else is returned as it is.
 *
 * @example
 * ```ts
 * withoutKoScheme("ko://example.com/app"); // "example.com/app"
 * withoutKoScheme("./cmd/app"); // "./cmd/app"
 * ```
 */
export function withoutKoScheme(importPath: string): string {
  return importPath.startsWith(KO_SCHEME) ? importPath.slice(KO_SCHEME.length) : importPath;
}

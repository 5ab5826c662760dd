/**
 * The version of this ko, printed by `ko version` and used in the User-Agent (`ko/<version>`)
 * and SBOM creator. Like goreleaser builds of ko, it has no `v` prefix.
 */
export const VERSION = "0.1.0";

/**
 * What went into building one platform's image, kept next to it (never in it) so that a signed
 * run can attest how the image was made (SLSA provenance, src/sign/slsa_provenance.ts).
 */
import type { BuildInfo } from "../go/build_info.ts";

/** The facts of one platform build. */
export interface BuildProvenance {
  /** The import path built, without `ko://`. */
  readonly importPath: string;
  /** `os/arch[/variant]`. */
  readonly platform: string;
  /** The `go build` flags (templates expanded), without `-ldflags`, `-o` and the package. */
  readonly flags: readonly string[];
  /** The linker flags (templates expanded), in order. */
  readonly ldflags: readonly string[];
  /**
   * Names of the environment variables ko set for `go build` (`CGO_ENABLED`, the platform's,
   * the configured `env`), sorted; their values are not recorded (they may be secrets).
   */
  readonly envKeys: readonly string[];
  /** The base image (`org.opencontainers.image.base.*`); absent for the built-in scratch. */
  readonly base?: { readonly name: string; readonly digest: string };
  /** The binary's Go build info: the toolchain and every module with its go.sum hash. */
  readonly buildInfo: BuildInfo;
  /** When the build started and finished (RFC 3339, UTC; `SOURCE_DATE_EPOCH` when set). */
  readonly startedOn: string;
  readonly finishedOn: string;
}

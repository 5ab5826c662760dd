/**
 * Which image of a multi-platform result goes into a local store that holds one platform per
 * tag (the Docker daemon, kind's containerd). ko takes the `GOOS`/`GOARCH` child, defaulting to
 * linux/amd64 even on an arm64 machine (ko issue #1591). We take `GOOS`/`GOARCH` when set, else
 * the platform of the daemon (or of this machine), and say which one was loaded.
 */
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform } from "../oci/platform.ts";
import type { BuildResult, Image } from "../image/image.ts";
import { KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";

/** The platform to load and why it was chosen (for the log line). */
export interface WantedPlatform {
  readonly platform: Platform;
  /** e.g. `GOOS/GOARCH`, `the Docker daemon's platform`. */
  readonly reason: string;
}

/** `GOOS`/`GOARCH` (and `GOARM`) when either is set: ko's rule, defaults linux/amd64. */
export function platformFromGoEnv(
  env: Readonly<Record<string, string | undefined>>,
): WantedPlatform | undefined {
  if (!env.GOOS && !env.GOARCH) return undefined;
  const architecture = env.GOARCH || "amd64";
  const platform: Platform = { os: env.GOOS || "linux", architecture };
  if (architecture === "arm" && env.GOARM) platform.variant = `v${env.GOARM}`;
  return { platform, reason: "GOOS/GOARCH" };
}

/** The Linux platform of this machine's CPU (`linux/arm64` on an arm64 Mac or Linux box). */
export function hostLinuxPlatform(): Platform {
  const arch = Deno.build.arch as string;
  const architecture = arch === "x86_64" ? "amd64" : arch === "aarch64" ? "arm64" : arch;
  return { os: "linux", architecture };
}

/**
 * The single image of a result to load: the result itself, or the index child matching
 * `wanted` (os and architecture; a wanted variant is preferred when several match). Logs which
 * platform was loaded when there was a choice.
 */
export async function loadableImage(
  result: BuildResult,
  importPath: string,
  wanted: () => Promise<WantedPlatform>,
): Promise<Image> {
  if (result.kind === "image") return result;
  const { platform, reason } = await wanted();
  const children = result.children.filter((c) =>
    c.descriptor.platform?.os === platform.os &&
    c.descriptor.platform?.architecture === platform.architecture
  );
  const chosen = children.find((c) => c.descriptor.platform?.variant === platform.variant) ??
    children[0];
  const built = result.children
    .map((c) => c.descriptor.platform ? formatPlatform(c.descriptor.platform) : "?")
    .join(", ");
  if (!chosen) {
    throw new KoError(
      `failed to find ${platform.os}/${platform.architecture} image in index for image: ` +
        `${importPath} (chosen by ${reason}; built: ${built}): add it to --platform, or ` +
        `build only the platform to load (such as --platform=${built.split(", ")[0]})`,
    );
  }
  if (!chosen.image) {
    throw new KoError(`index child ${chosen.descriptor.digest} of ${importPath} was not built`);
  }
  if (result.children.length > 1) {
    info(
      `Loading only ${formatPlatform(chosen.descriptor.platform!)} of ${importPath} (built: ` +
        `${built}), chosen by ${reason}: a local image holds one platform`,
    );
  }
  return chosen.image;
}

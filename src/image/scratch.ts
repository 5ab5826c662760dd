/**
 * The built-in `scratch` base: an empty image with no layers, like Docker's `FROM scratch`.
 * It needs no registry or network, so a static Go binary can be packaged fully offline. Its
 * platform is whatever the build asks for.
 */
import type { Platform } from "../oci/descriptor.ts";
import { MediaType } from "../oci/media_types.ts";
import { ZERO_TIME } from "../oci/go_json.ts";
import { type Image, makeImage } from "./image.ts";

/** The name that selects the built-in empty base (`defaultBaseImage: scratch`). */
export const SCRATCH = "scratch";

/** Whether a base image name means the built-in empty base. */
export function isScratch(name: string): boolean {
  return name === SCRATCH || name === `${SCRATCH}:latest`;
}

/** An empty OCI image for one platform. */
export function scratchImage(platform: Platform = { os: "linux", architecture: "amd64" }): Image {
  return makeImage(
    {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig },
    },
    {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      ...(platform["os.version"] ? { "os.version": platform["os.version"] } : {}),
      created: ZERO_TIME,
      rootfs: { type: "layers", diff_ids: [] },
      config: {},
    },
    [],
  );
}

/**
 * Fixed SBOM inputs shared by the golden-file tests: an arm/v7 image built from the build info
 * in tests/testdata/sbom/golden/app.go-version-m.txt, and a three-platform index.
 */
import { parseGoVersionM } from "../../src/go/build_info.ts";
import type { ImageSbomInputs, IndexSbomInputs } from "../../src/sbom/sbom_inputs.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";

/** Directory of the golden files. */
export const GOLDEN_DIR = new URL("../testdata/sbom/golden/", import.meta.url);

/** The `go version -m` text of the golden image. */
export const GOLDEN_GO_VERSION_M = await Deno.readTextFile(
  new URL("app.go-version-m.txt", GOLDEN_DIR),
);

/** Inputs of the golden image SBOM. */
export const IMAGE_INPUTS: ImageSbomInputs = {
  digest: sha256Digest("image"),
  mediaType: MediaType.OciManifest,
  created: "2024-05-06T07:08:09.123456789+02:00",
  base: { name: "cgr.dev/chainguard/static:latest", digest: sha256Digest("base") },
  buildInfo: parseGoVersionM(GOLDEN_GO_VERSION_M),
  toolVersion: "0.1.0",
};

/** Inputs of the golden index SBOM. */
export const INDEX_INPUTS: IndexSbomInputs = {
  digest: sha256Digest("index"),
  mediaType: MediaType.OciIndex,
  created: "2024-05-06T07:08:09Z",
  base: { name: "index.docker.io/library/golang:1.26", digest: sha256Digest("base-index") },
  children: [
    {
      digest: sha256Digest("amd64"),
      mediaType: MediaType.DockerManifest,
      platform: { os: "linux", architecture: "amd64" },
    },
    {
      digest: sha256Digest("armv7"),
      mediaType: MediaType.OciManifest,
      platform: { os: "linux", architecture: "arm", variant: "v7" },
    },
    {
      digest: sha256Digest("windows"),
      mediaType: MediaType.OciManifest,
      platform: {
        os: "windows",
        architecture: "amd64",
        "os.version": "10.0.20348.2582",
        "os.features": ["win32k", "b&w"],
      },
    },
  ],
  toolVersion: "0.1.0",
};

/**
 * Compares `actual` with the golden file `name`, or rewrites the file when UPDATE_GOLDEN=1.
 * Returns the golden text.
 */
export async function golden(name: string, actual: Uint8Array): Promise<string> {
  const url = new URL(name, GOLDEN_DIR);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeFile(url, actual);
  return await Deno.readTextFile(url);
}

/**
 * `docker save` tarballs (what `docker load` reads): the config as `sha256:<hex>`, each layer
 * once as `<hex>.tar.gz` (compressed bytes as they are), and `manifest.json` last.
 */
import { digestHex } from "../oci/digest.ts";
import { isGzipLayer, isZstdLayer } from "../oci/media_types.ts";
import { type TarEntry, tarStream } from "../layer/tar.ts";
import type { Layer } from "../layer/layer.ts";
import type { Image } from "./image.ts";

/** One image and the `name:tag` references it is saved under. */
export interface TarballImage {
  readonly image: Image;
  readonly repoTags: readonly string[];
}

/** The file name a layer gets in the tarball. */
function layerFileName(layer: Layer): string {
  const hex = digestHex(layer.digest);
  if (isGzipLayer(layer.mediaType)) return `${hex}.tar.gz`;
  if (isZstdLayer(layer.mediaType)) return `${hex}.tar.zst`;
  return `${hex}.tar`;
}

/** The `manifest.json` of a tarball: one entry per image, sorted by joined repo tags. */
function tarballManifest(images: readonly TarballImage[]): Uint8Array {
  const entries = images.map(({ image, repoTags }) => ({
    Config: `sha256:${digestHex(image.manifest.config.digest)}`,
    RepoTags: [...repoTags],
    Layers: image.layers.map(layerFileName),
  }));
  entries.sort((a, b) =>
    a.RepoTags.join(",") < b.RepoTags.join(",")
      ? -1
      : a.RepoTags.join(",") > b.RepoTags.join(",")
      ? 1
      : 0
  );
  return new TextEncoder().encode(JSON.stringify(entries));
}

/** The tarball as a stream of bytes (layers are read from their sources as it goes). */
export function tarballStream(images: readonly TarballImage[]): ReadableStream<Uint8Array> {
  async function* entries(): AsyncGenerator<TarEntry> {
    const written = new Set<string>();
    for (const { image } of images) {
      const configName = `sha256:${digestHex(image.manifest.config.digest)}`;
      if (!written.has(configName)) {
        written.add(configName);
        yield file(configName, image.configBytes);
      }
      for (const layer of image.layers) {
        const name = layerFileName(layer);
        if (written.has(name)) continue;
        written.add(name);
        yield {
          header: { name, type: "file", mode: 0o644, size: layer.size },
          body: await layer.open(),
        };
      }
    }
    yield file("manifest.json", tarballManifest(images));
  }
  return tarStream(entries());
}

function file(name: string, bytes: Uint8Array): TarEntry {
  return { header: { name, type: "file", mode: 0o644, size: bytes.length }, body: bytes };
}

/**
 * The Layer abstraction shared by images and publishers: a compressed tar blob that knows its
 * digests and can stream its bytes, plus constructors for layers held in memory or built by
 * {@link buildLayer}, and {@link diffIdOfCompressed} for base layers whose diff_id is unknown.
 */
import type { Digest } from "../oci/digest.ts";
import { layerSha256 } from "../oci/layer_sha256.ts";
import { isGzipLayer, isZstdLayer } from "../oci/media_types.ts";
import { KoError } from "../util/errors.ts";

/** A compressed layer blob: what a manifest descriptor and a config diff_id need, and its bytes. */
export interface Layer {
  /** The blob's media type (e.g. `application/vnd.oci.image.layer.v1.tar+gzip`). */
  readonly mediaType: string;
  /** Digest of the compressed blob. */
  readonly digest: Digest;
  /** Size of the compressed blob in bytes. */
  readonly size: number;
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  readonly diffId: Digest;
  /** The compressed bytes; may be called several times. */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** Where the blob already lives, for cross-repository mounts (remote base layers). */
  readonly source?: { registry: string; repository: string };
  /** Made from a binary this run changed: a registry most likely lacks it. */
  readonly likelyNew?: boolean;
}

/**
 * A layer over compressed bytes held in memory; the digest (with the layer hasher, since the
 * bytes may be a whole base layer) and size are computed here, the diff_id is the caller's
 * (see {@link diffIdOfCompressed}).
 *
 * @example
 * ```ts
 * const layer = await layerFromBytes(gz, MediaType.OciLayerGzip, await diffIdOfCompressed(gz, MediaType.OciLayerGzip));
 * ```
 */
export async function layerFromBytes(
  compressed: Uint8Array,
  mediaType: string,
  diffId: Digest,
): Promise<Layer> {
  const digest = (await layerSha256()).update(compressed).digest();
  return {
    mediaType,
    digest,
    size: compressed.byteLength,
    diffId,
    open: () => Promise.resolve(streamOf([compressed])),
  };
}

/** A stream handing out the given chunks in order (views, not copies). */
export function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk.subarray());
    },
  }, { highWaterMark: 0 });
}

/**
 * The diff_id of a compressed layer: decompresses (gzip or zstd, chosen by media type; an
 * uncompressed `…tar` type is hashed as is) and returns the sha256 of the tar, streaming.
 *
 * @example
 * ```ts
 * const diffId = await diffIdOfCompressed(await layer.open(), layer.mediaType);
 * ```
 */
export async function diffIdOfCompressed(
  compressed: ReadableStream<Uint8Array> | Uint8Array,
  mediaType: string,
): Promise<Digest> {
  // Loaded here, not with the module: a warm build makes layers without them.
  const [zlib, { Buffer }] = await Promise.all([import("node:zlib"), import("node:buffer")]);
  const hash = await layerSha256();
  const decompressor = isGzipLayer(mediaType)
    ? zlib.createGunzip()
    : isZstdLayer(mediaType)
    ? zlib.createZstdDecompress()
    : undefined;
  const source = compressed instanceof Uint8Array ? streamOf([compressed]) : compressed;
  if (decompressor === undefined) {
    for await (const chunk of source) hash.update(chunk);
    return hash.digest();
  }
  const done = new Promise<void>((resolve, reject) => {
    decompressor.on("data", (b: Uint8Array) => hash.update(b));
    decompressor.on("end", () => resolve());
    decompressor.on(
      "error",
      (err: Error) =>
        reject(new KoError(`decompressing ${mediaType} layer: ${err.message}`, { cause: err })),
    );
  });
  done.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  try {
    for await (const chunk of source) {
      if (!decompressor.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        const drained = new Promise<void>((resolve) => decompressor.once("drain", () => resolve()));
        await Promise.race([drained, done]);
      }
    }
    decompressor.end();
  } catch (err) {
    decompressor.destroy();
    throw err;
  }
  await done;
  return hash.digest();
}

/**
 * Reading an image from the local daemon, for `ko.local/…` base images (ko-behaviour 8.4): the
 * daemon exports it (`GET /images/get?names=`, a `docker save` tarball, spooled to a temporary
 * file), `manifest.json` names the config and the layers, and the image is rebuilt as a Docker
 * schema 2 image with the daemon's exact config bytes. Uncompressed layers (what Docker's
 * classic store exports) are gzipped; already compressed ones are kept as they are.
 */
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { parseConfig } from "../oci/config.ts";
import { type Digest, parseDigest, sha256Digest } from "../oci/digest.ts";
import { layerSha256 } from "../oci/layer_sha256.ts";
import type { Manifest } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";
import { type Reference, repoString } from "../oci/reference.ts";
import { type Image, imageFromParts } from "../image/image.ts";
import { GZIP_LEVEL } from "../layer/compress.ts";
import { type Layer, layerFromBytes } from "../layer/layer.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { DockerClient } from "./docker_client.ts";
import { exportImage } from "./docker_images.ts";
import { indexTar, readMember, type TarMemberRange } from "./tar_index.ts";

const gzip = promisify(zlib.gzip);

/** The name the daemon knows a reference by: `repo:tag`, or `repo@digest`. */
function daemonName(ref: Reference): string {
  if (ref.digest) return `${repoString(ref)}@${ref.digest}`;
  return `${repoString(ref)}:${ref.tag ?? "latest"}`;
}

/** Reads `ref` from the daemon as an Image. */
async function readDaemonImage(
  client: DockerClient,
  ref: Reference,
  signal?: AbortSignal,
): Promise<Image> {
  const name = daemonName(ref);
  const spool = await Deno.makeTempFile({ prefix: "ko-daemon-base-", suffix: ".tar" });
  try {
    const body = await exportImage(client, name, signal);
    const file = await Deno.open(spool, { write: true, truncate: true });
    await body.pipeTo(file.writable, signal ? { signal } : {});
    const members = await indexTar(spool);
    return await imageFromExport(spool, members, name);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new KoError(`reading ${name} from the Docker daemon: ${errorMessage(e)}`, { cause: e });
  } finally {
    await Deno.remove(spool).catch(() => {});
  }
}

async function imageFromExport(
  path: string,
  members: Map<string, TarMemberRange>,
  name: string,
): Promise<Image> {
  const member = (file: string): TarMemberRange => {
    const m = members.get(file);
    if (!m) throw new KoError(`the daemon's export of ${name} has no ${file}`);
    return m;
  };
  const text = new TextDecoder().decode(await readMember(path, member("manifest.json")));
  let entries: Array<{ Config?: unknown; Layers?: unknown; RepoTags?: unknown }>;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new KoError(`the daemon's export of ${name} has a malformed manifest.json`);
  }
  const entry = entries.find((e) => Array.isArray(e.RepoTags) && e.RepoTags.includes(name)) ??
    entries[0];
  if (!entry || typeof entry.Config !== "string" || !Array.isArray(entry.Layers)) {
    throw new KoError(`the daemon's export of ${name} lists no image in manifest.json`);
  }
  const configBytes = await readMember(path, member(entry.Config));
  const config = parseConfig(configBytes, `config of ${name}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== entry.Layers.length) {
    throw new KoError(
      `${name}: the daemon's export has ${entry.Layers.length} layers but its config lists ${diffIds.length} diff_ids`,
    );
  }
  const layers: Layer[] = [];
  for (const [i, file] of (entry.Layers as unknown[]).entries()) {
    if (typeof file !== "string") {
      throw new KoError(`${name}: malformed layer entry in manifest.json`);
    }
    layers.push(
      await exportedLayer(await readMember(path, member(file)), parseDigest(diffIds[i]!), name),
    );
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: {
      mediaType: MediaType.DockerConfig,
      size: configBytes.length,
      digest: sha256Digest(configBytes),
    },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  };
  const image = imageFromParts(manifest, config, configBytes, layers);
  debug(`read ${name} from the daemon: ${layers.length} layers, ${image.digest}`);
  return image;
}

/** A layer from its exported bytes: gzip and zstd kept, a plain tar gzipped and checked. */
async function exportedLayer(bytes: Uint8Array, diffId: Digest, name: string): Promise<Layer> {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return layerFromBytes(bytes, MediaType.DockerLayerGzip, diffId);
  }
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    return layerFromBytes(bytes, MediaType.DockerLayerZstd, diffId);
  }
  if ((await layerSha256()).update(bytes).digest() !== diffId) {
    throw new KoError(`${name}: an exported layer does not match its diff_id ${diffId}`);
  }
  const compressed = await gzip(bytes, { level: GZIP_LEVEL });
  return layerFromBytes(
    new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength),
    MediaType.DockerLayerGzip,
    diffId,
  );
}

/** A base reader for the daemon the environment points at (one connection per read). */
export function daemonBaseReader(
  env: Readonly<Record<string, string | undefined>>,
): (ref: Reference, signal?: AbortSignal) => Promise<Image> {
  return async (ref, signal) => {
    const client = DockerClient.fromEnv(env);
    try {
      return await readDaemonImage(client, ref, signal);
    } finally {
      client.close();
    }
  };
}

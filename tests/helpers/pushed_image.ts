/**
 * Reads an image back from a test registry blob by blob, without src/ code, and lists what does
 * not hold: a blob that does not hash to its descriptor's digest or has another size, a config
 * `diff_id` that is not the sha256 of its layer's uncompressed bytes. An artifact (an SBOM, a
 * signature) has its blobs checked.
 */
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { registryFetch } from "./registry_http.ts";
import type { RegistryServer } from "./registry_server.ts";

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** The config media types of images (anything else is an artifact). */
const IMAGE_CONFIGS = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function get(server: RegistryServer, path: string, accept?: string): Promise<Uint8Array> {
  const res = await registryFetch(server, path, accept ? { headers: { accept } } : {});
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${path}: ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

interface Desc {
  digest: string;
  size: number;
  mediaType?: string;
}

/**
 * The problems of image `reference` (a tag or digest) in repository `repo` (without the
 * registry host); an empty list when every blob and diff_id checks out. An index is checked
 * child by child.
 */
export async function pushedImageProblems(
  server: RegistryServer,
  repo: string,
  reference: string,
): Promise<string[]> {
  const problems: string[] = [];
  const bytes = await get(server, `/v2/${repo}/manifests/${reference}`, ACCEPT);
  if (reference.startsWith("sha256:") && sha256(bytes) !== reference) {
    problems.push(`manifest ${reference} hashes to ${sha256(bytes)}`);
  }
  const manifest = JSON.parse(new TextDecoder().decode(bytes));
  if (Array.isArray(manifest.manifests)) {
    for (const child of manifest.manifests as Desc[]) {
      problems.push(...await pushedImageProblems(server, repo, child.digest));
    }
    return problems;
  }
  const blob = async (d: Desc, what: string) => {
    const b = await get(server, `/v2/${repo}/blobs/${d.digest}`);
    if (sha256(b) !== d.digest) problems.push(`${what} ${d.digest} hashes to ${sha256(b)}`);
    if (b.length !== d.size) {
      problems.push(`${what} ${d.digest} is ${b.length} bytes, not ${d.size}`);
    }
    return b;
  };
  const configBytes = await blob(manifest.config, "config");
  const layers = manifest.layers as Desc[];
  if (!IMAGE_CONFIGS.has(manifest.config.mediaType)) {
    // An artifact (SBOM, signature, attestation): its blobs, not diff_ids.
    for (const [i, layer] of layers.entries()) await blob(layer, `blob ${i}`);
    return problems;
  }
  const config = JSON.parse(new TextDecoder().decode(configBytes));
  const diffIds: string[] = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) {
    problems.push(`${layers.length} layers but ${diffIds.length} diff_ids`);
  }
  for (const [i, layer] of layers.entries()) {
    const b = await blob(layer, `layer ${i}`);
    const plain = layer.mediaType?.endsWith("gzip") ? new Uint8Array(gunzipSync(b)) : b;
    if (diffIds[i] !== sha256(plain)) {
      problems.push(`layer ${i}: diff_id ${diffIds[i]} but its bytes hash to ${sha256(plain)}`);
    }
  }
  return problems;
}

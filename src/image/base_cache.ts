/**
 * The KOCACHE base-image cache (`$KOCACHE/img`): manifests and configs of base images kept on
 * disk by digest, in an OCI-layout-like store (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`).
 * A digest reference is served from disk without touching the network; a tag reference is
 * still resolved on the network (a manifest HEAD) and then read from disk by its digest.
 * Layer bytes are never stored: they pass through to the registry. Every disk read is checked
 * against its digest; a missing, truncated or corrupt file is fetched again and replaced.
 * Files are written atomically, so concurrent ko processes may share the store; the first
 * write of a run removes the temporary files of killed runs.
 */
import { join } from "../util/posix_path.ts";
import { type Digest, digestAlgorithm, digestHex, isDigest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { detectMediaType, parseJsonObject } from "../oci/manifest.ts";
import type { Repository } from "../oci/reference.ts";
import { digestWith } from "../registry/digest_check.ts";
import { writeFileAtomic } from "../util/atomic_file.ts";
import { removeOrphanTemps } from "../util/owned_temp.ts";
import { errorMessage } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import type { RegistryReader } from "./remote.ts";

/** A manifest HEAD: the descriptor a tag points at, or undefined when absent. */
export type HeadManifest = (
  repo: Repository,
  reference: string,
  signal?: AbortSignal,
) => Promise<Descriptor | undefined>;

/** A {@link RegistryReader} that keeps manifests and configs under `dir`. */
export class CachedRegistryReader implements RegistryReader {
  #ready?: Promise<void>;

  constructor(
    readonly dir: string,
    private readonly inner: RegistryReader,
    private readonly head: HeadManifest,
  ) {}

  async getManifest(
    repo: Repository,
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; mediaType: string; digest: Digest }> {
    let digest: Digest | undefined = isDigest(reference) ? reference : undefined;
    let contentType: string | undefined;
    if (digest === undefined) {
      const d = await this.head(repo, reference, signal);
      // Absent, or a registry that won't say: the plain GET gives the right answer or error.
      if (d === undefined) return await this.#fetchManifest(repo, reference, signal);
      digest = d.digest;
      contentType = d.mediaType;
    }
    const bytes = await this.#read(digest);
    if (bytes !== undefined) {
      const obj = parseJsonObject(bytes, `cached manifest ${digest}`);
      return { bytes, mediaType: detectMediaType(obj, contentType), digest };
    }
    return await this.#fetchManifest(repo, digest, signal);
  }

  getBlob(
    repo: Repository,
    digest: Digest,
    signal?: AbortSignal,
    size?: number,
  ): Promise<ReadableStream<Uint8Array>> {
    return this.inner.getBlob(repo, digest, signal, size);
  }

  async getBlobBytes(repo: Repository, digest: Digest, signal?: AbortSignal): Promise<Uint8Array> {
    const cached = await this.#read(digest);
    if (cached !== undefined) return cached;
    const bytes = await this.inner.getBlobBytes(repo, digest, signal);
    await this.#write(digest, bytes);
    return bytes;
  }

  async #fetchManifest(repo: Repository, reference: string, signal?: AbortSignal) {
    const got = await this.inner.getManifest(repo, reference, signal);
    await this.#write(got.digest, got.bytes);
    return got;
  }

  #path(digest: Digest): string {
    return join(this.dir, "blobs", digestAlgorithm(digest), digestHex(digest));
  }

  /** The stored bytes of a digest, if present and intact. */
  async #read(digest: Digest): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.#path(digest));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        debug(`kocache: ${digest}: unreadable (${errorMessage(e)}); fetching it again`);
      }
      return undefined;
    }
    const actual = digestWith(digestAlgorithm(digest), bytes);
    if (actual !== digest) {
      debug(`kocache: ${digest}: the stored copy hashes to ${actual}; fetching it again`);
      return undefined;
    }
    return bytes;
  }

  /** Stores bytes under their digest; failures only cost a later refetch. */
  async #write(digest: Digest, bytes: Uint8Array): Promise<void> {
    try {
      this.#ready ??= this.#init();
      await this.#ready;
      await Deno.mkdir(join(this.dir, "blobs", digestAlgorithm(digest)), { recursive: true });
      await writeFileAtomic(this.#path(digest), bytes);
    } catch (e) {
      this.#ready = undefined;
      debug(`kocache: storing ${digest}: ${errorMessage(e)}`);
    }
  }

  /** Writes the layout marker files once, and removes what killed runs were writing. */
  async #init(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    await removeOrphanTemps(join(this.dir, "blobs", "sha256"));
    for (
      const [name, content] of [
        ["oci-layout", '{"imageLayoutVersion":"1.0.0"}'],
        ["index.json", '{"schemaVersion":2,"manifests":[]}'],
      ]
    ) {
      try {
        await Deno.writeTextFile(join(this.dir, name!), content!, { createNew: true });
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
    }
  }
}

/**
 * The registry client: one object per process holding the HTTP client, pings, credentials
 * and tokens, offering the distribution operations (manifests, blobs, tags, referrers). Safe
 * to use from many concurrent operations; concurrent uploads of the same blob to the same
 * repository share one upload.
 */
import type { Digest } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import type { Index } from "../oci/manifest.ts";
import { Authenticator } from "./auth.ts";
import {
  type BlobSource,
  getBlob,
  getBlobBytes,
  headBlob,
  uploadBlob,
  type UploadOptions,
  type UploadResult,
} from "./blobs.ts";
import { checkCredentialFiles, type Keychain } from "./credentials.ts";
import type { EnvGetter } from "./docker_config.ts";
import { koKeychain } from "./ko_keychain.ts";
import { type FetchedManifest, getManifest, headManifest, putManifest } from "./manifests.ts";
import type { PingResult } from "./ping.ts";
import { getReferrers } from "./referrers.ts";
import type { RetryPolicy } from "./retry.ts";
import type { RepositoryRef } from "./scope.ts";
import { Session } from "./session.ts";
import { listTags } from "./tags.ts";
import { createTransport, type Transport } from "./transport.ts";

/** Options of a RegistryClient. */
export interface RegistryClientOptions {
  /**
   * The run's environment: credentials, TLS trust (`SSL_CERT_FILE`, certs.d under `HOME`) and
   * proxies. Defaults to the process's.
   */
  env?: EnvGetter;
  /** Where credentials come from; defaults to ko's keychain (ko_keychain.ts). */
  keychain?: Keychain;
  /**
   * Registries (`host[:port]`) that may fall back to plain HTTP and whose TLS certificates are
   * not verified (`--insecure-registry`).
   */
  insecureRegistries?: string[];
  /** Extra CA certificates (PEM) to trust. */
  caCerts?: string[];
  /** Also trust the system CA bundle, `SSL_CERT_FILE` and `SSL_CERT_DIR` (default true). */
  trustSystemStore?: boolean;
  /** The certs.d roots per-registry CAs and client certificates are read from. */
  certsDirRoots?: readonly string[];
  /** Retry policy overrides (attempts, delays). */
  retry?: Partial<RetryPolicy>;
  /** `User-Agent`, `ko/<version>`. */
  userAgent?: string;
  /**
   * How long a request may make no progress before it fails and is retried; defaults to
   * `KO_REGISTRY_TIMEOUT` of `env`, else 30 s.
   */
  idleTimeoutMs?: number;
}

/** A distribution-API client. Create one and share it; call {@link close} at the end. */
export class RegistryClient {
  readonly #transport: Transport;
  readonly #session: Session;
  readonly #uploads = new Map<string, Promise<UploadResult>>();
  /** Registries found without the referrers API. */
  readonly #withoutReferrersApi = new Set<string>();

  constructor(opts: RegistryClientOptions = {}) {
    const env = opts.env ?? ((name: string) => Deno.env.get(name));
    this.#transport = createTransport({
      env,
      ...(opts.certsDirRoots ? { certsDirRoots: opts.certsDirRoots } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
      ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
      ...(opts.caCerts ? { caCerts: opts.caCerts } : {}),
      ...(opts.trustSystemStore !== undefined ? { trustSystemStore: opts.trustSystemStore } : {}),
      // --insecure-registry also skips TLS verification, as ko's InsecureSkipVerify does.
      unverifiedTls: opts.insecureRegistries ?? [],
    });
    this.#session = new Session({
      transport: this.#transport,
      authenticator: new Authenticator(
        this.#transport.send,
        opts.keychain ?? koKeychain({ env, send: this.#transport.send }),
        // With ko's keychain, a malformed credentials file fails the first request.
        opts.keychain ? undefined : () => checkCredentialFiles({ env }),
      ),
      insecureRegistries: opts.insecureRegistries ?? [],
    });
  }

  /** Releases the HTTP connections. */
  close(): void {
    this.#transport.close();
  }

  /** Pings a registry (cached): the scheme in use and the challenge it sets. */
  ping(registry: string, signal?: AbortSignal): Promise<PingResult> {
    return this.#session.ping(registry, signal);
  }

  /** Fetches a manifest by tag or digest: exact bytes, media type, digest. */
  getManifest(
    repo: RepositoryRef,
    tagOrDigest: string,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    return getManifest(this.#session, repo, tagOrDigest, signal);
  }

  /** The descriptor of a manifest, or undefined when absent (404 or 403). */
  headManifest(
    repo: RepositoryRef,
    tagOrDigest: string,
    signal?: AbortSignal,
  ): Promise<Descriptor | undefined> {
    return headManifest(this.#session, repo, tagOrDigest, signal);
  }

  /** Stores manifest bytes under a tag or digest; returns their digest. */
  putManifest(
    repo: RepositoryRef,
    tagOrDigest: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<Digest> {
    return putManifest(this.#session, repo, tagOrDigest, bytes, mediaType, signal);
  }

  /** The size of a blob, or undefined when the repository does not have it. */
  headBlob(
    repo: RepositoryRef,
    digest: string,
    signal?: AbortSignal,
  ): Promise<{ size: number } | undefined> {
    return headBlob(this.#session, repo, digest, signal ? { signal } : {});
  }

  /**
   * A blob's bytes as a stream, checked against its digest (and `size`, when given) as they
   * are read: the stream errors at the end rather than close when they do not match.
   */
  getBlob(
    repo: RepositoryRef,
    digest: string,
    signal?: AbortSignal,
    size?: number,
  ): Promise<ReadableStream<Uint8Array>> {
    return getBlob(this.#session, repo, digest, signal, size);
  }

  /** A blob's bytes in memory, digest verified. */
  getBlobBytes(repo: RepositoryRef, digest: string, signal?: AbortSignal): Promise<Uint8Array> {
    return getBlobBytes(this.#session, repo, digest, signal);
  }

  /**
   * Uploads a blob unless present; mounts it from `mountFrom` when that is in the same
   * registry. Concurrent uploads of one digest to one repository share the work.
   */
  uploadBlob(
    repo: RepositoryRef,
    blob: BlobSource,
    opts: UploadOptions = {},
  ): Promise<UploadResult> {
    const key = `${repo.registry}/${repo.repository}@${blob.digest}`;
    const pending = this.#uploads.get(key);
    if (pending !== undefined) return pending.then((r) => (r === "pushed" ? "existing" : r));
    const p = uploadBlob(this.#session, repo, blob, opts).finally(() => this.#uploads.delete(key));
    this.#uploads.set(key, p);
    return p;
  }

  /** Every tag of a repository (all pages). */
  listTags(repo: RepositoryRef, signal?: AbortSignal): Promise<string[]> {
    return listTags(this.#session, repo, signal);
  }

  /**
   * The referrers index of a manifest, or undefined when the registry lacks the API (asked
   * once per registry: a registry found without it is not asked again).
   */
  async getReferrers(
    repo: RepositoryRef,
    digest: string,
    artifactType?: string,
    signal?: AbortSignal,
  ): Promise<Index | undefined> {
    if (this.#withoutReferrersApi.has(repo.registry)) return undefined;
    const index = await getReferrers(this.#session, repo, digest, artifactType, signal);
    if (index === undefined) this.#withoutReferrersApi.add(repo.registry);
    return index;
  }
}

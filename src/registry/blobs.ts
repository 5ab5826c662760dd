/**
 * Blob operations: HEAD, GET (redirects to storage hosts followed without `Authorization`),
 * and upload as ggcr does it: HEAD, POST (with a cross-repository mount when possible), one
 * streamed PATCH, then PUT `digest=`; a rejected PATCH falls back to a monolithic PUT. The
 * whole upload is retried, re-opening the blob's stream each time.
 */
import { KoError } from "../util/errors.ts";
import { LOG_ONLY, type Reporter, type UploadProgress } from "../progress/reporter.ts";
import { type Digest, parseDigest } from "../oci/digest.ts";
import { digestWith } from "./manifests.ts";
import { RegistryError } from "./http_errors.ts";
import { isRetryableError, withRetry } from "./retry.ts";
import { pullScope, pushScopes, repoName, type RepositoryRef } from "./scope.ts";
import { readBody, type Session } from "./session.ts";

/** A blob to upload: its digest and size, and a way to (re-)open its bytes. */
export interface BlobSource {
  digest: Digest;
  size: number;
  open: () => Promise<ReadableStream<Uint8Array>>;
}

/** How an upload ended: the blob was there, was mounted from another repository, or sent. */
export type UploadResult = "existing" | "mounted" | "pushed";

/** Options of an upload. */
export interface UploadOptions {
  /** A repository to mount from: a name in the same registry, or a RepositoryRef. */
  mountFrom?: string | RepositoryRef;
  signal?: AbortSignal;
  /** Hears of the bytes sent and says what happened (`pushed blob: …`); the log alone if absent. */
  report?: Reporter;
}

/** PATCH statuses meaning "this registry does not take streamed uploads": use a plain PUT. */
const PATCH_REJECTED = new Set([400, 404, 405, 411, 416, 501]);

function blobPath(repo: RepositoryRef, digest: string): string {
  return `/v2/${repo.repository}/blobs/${digest}`;
}

/** Adds `digest=` to an upload location, keeping its query (the Debian registry has one). */
function withDigestParam(location: URL, digest: string): URL {
  const url = new URL(location);
  const param = `digest=${encodeURIComponent(digest)}`;
  url.search = url.search.length > 1 ? `${url.search}&${param}` : `?${param}`;
  return url;
}

/** The repository to mount from, or undefined when it is not in the target's registry. */
function mountSource(target: RepositoryRef, from: string | RepositoryRef | undefined) {
  if (from === undefined) return undefined;
  if (typeof from === "string") return from === target.repository ? undefined : from;
  if (from.registry !== target.registry || from.repository === target.repository) return undefined;
  return from.repository;
}

/** HEADs a blob: its size, or undefined when the repository does not have it. */
export async function headBlob(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  opts: { signal?: AbortSignal; retry?: boolean; scopes?: string[] } = {},
): Promise<{ size: number } | undefined> {
  parseDigest(digest);
  const res = await session.request(repo, opts.scopes ?? [pullScope(repo.repository)], {
    method: "HEAD",
    url: blobPath(repo, digest),
    expect: [200, 404],
    context: `HEAD ${repoName(repo)} blob ${digest}`,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.retry === false ? { retry: false } : {}),
  });
  await res.body?.cancel();
  if (res.status === 404) return undefined;
  const size = Number(res.headers.get("content-length") ?? "NaN");
  return { size: Number.isSafeInteger(size) ? size : -1 };
}

/** GETs a blob as a stream (not verified; see {@link getBlobBytes}). */
export async function getBlob(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  parseDigest(digest);
  const res = await session.request(repo, [pullScope(repo.repository)], {
    method: "GET",
    url: blobPath(repo, digest),
    expect: [200],
    context: `GET ${repoName(repo)} blob ${digest}`,
    ...(signal ? { signal } : {}),
  });
  if (res.body === null) return new Blob([]).stream();
  return res.body;
}

/** GETs a whole blob into memory and verifies its digest. */
export async function getBlobBytes(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const d = parseDigest(digest);
  return await withRetry(session.transport.policy, async () => {
    const res = await session.request(repo, [pullScope(repo.repository)], {
      method: "GET",
      url: blobPath(repo, digest),
      expect: [200],
      context: `GET ${repoName(repo)} blob ${digest}`,
      retry: false,
      ...(signal ? { signal } : {}),
    });
    const bytes = await readBody(res, repo.registry);
    const got = digestWith(d.slice(0, d.indexOf(":")), bytes);
    if (got !== d) {
      throw new KoError(
        `GET ${repoName(repo)} blob ${digest}: the registry sent content with digest ${got}`,
      );
    }
    return bytes;
  }, signal ? { signal } : {});
}

/** The `Location` of an upload answer, resolved against the request URL. */
function location(res: Response, requestUrl: URL, context: string): URL {
  const loc = res.headers.get("location");
  if (loc === null || loc === "") throw new KoError(`${context}: the registry sent no Location`);
  try {
    return new URL(loc, requestUrl);
  } catch {
    throw new KoError(`${context}: the registry sent an invalid Location "${loc}"`);
  }
}

const EMPTY = new Uint8Array(0);

/** One upload attempt, without retries. */
async function uploadOnce(
  session: Session,
  repo: RepositoryRef,
  blob: BlobSource,
  from: string | undefined,
  signal: AbortSignal | undefined,
  report: Reporter,
): Promise<UploadResult> {
  const scopes = pushScopes(repo, from === undefined ? [] : [from]);
  const name = repoName(repo);
  const common = { retry: false, ...(signal ? { signal } : {}) } as const;
  const base = await session.ping(repo.registry, signal);
  const uploads = new URL(`${base.scheme}://${repo.registry}/v2/${repo.repository}/blobs/uploads/`);

  if (await headBlob(session, repo, blob.digest, { ...common, scopes })) {
    report.info(`existing blob: ${blob.digest}`);
    return "existing";
  }

  let loc: URL | undefined;
  if (from !== undefined) {
    const url = new URL(uploads);
    url.search = `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`;
    const context = `POST ${name} blob mount ${blob.digest} from ${from}`;
    try {
      const res = await session.request(repo, scopes, {
        method: "POST",
        url,
        body: () => EMPTY,
        expect: [201, 202],
        context,
        ...common,
      });
      await res.body?.cancel();
      if (res.status === 201) {
        report.info(`mounted blob: ${blob.digest}`);
        return "mounted";
      }
      loc = location(res, url, context);
    } catch (err) {
      // A refused mount (no access to the source, unsupported…) is not fatal: upload instead.
      if (!(err instanceof RegistryError) || isRetryableError(err)) throw err;
      report.debug(`${context} failed, uploading instead: ${err.message}`);
    }
  }
  const open = async (context: string) => {
    const res = await session.request(repo, scopes, {
      method: "POST",
      url: uploads,
      body: () => EMPTY,
      expect: [202],
      context,
      ...common,
    });
    await res.body?.cancel();
    return location(res, uploads, context);
  };
  loc ??= await open(`POST ${name} blob upload`);
  const progress = report.upload(blob.digest, blob.size);
  // Each attempt counts from the start again.
  const counted = async () => countBytes(await blob.open(), progress);
  try {
    const patch = await session.request(repo, scopes, {
      method: "PATCH",
      url: loc,
      headers: { "content-type": "application/octet-stream" },
      body: counted,
      expect: [201, 202, 204, ...PATCH_REJECTED],
      context: `PATCH ${name} blob ${blob.digest}`,
      ...common,
    });
    await patch.body?.cancel();
    let body: (() => Promise<ReadableStream<Uint8Array>>) | undefined;
    if (PATCH_REJECTED.has(patch.status)) {
      // Streamed uploads refused: start afresh and send the whole blob with the final PUT.
      loc = await open(`POST ${name} blob upload (monolithic)`);
      body = counted;
    } else if (patch.headers.get("location")) {
      loc = location(patch, loc, `PATCH ${name} blob ${blob.digest}`);
    }
    const put = await session.request(repo, scopes, {
      method: "PUT",
      url: withDigestParam(loc, blob.digest),
      headers: { "content-type": "application/octet-stream" },
      body: body ?? (() => EMPTY),
      expect: [200, 201, 204],
      context: `PUT ${name} blob ${blob.digest}`,
      ...common,
    });
    await put.body?.cancel();
  } finally {
    progress.done();
  }
  report.info(`pushed blob: ${blob.digest}`);
  return "pushed";
}

/** The stream, telling `progress` how many of its bytes have been read. */
function countBytes(
  stream: ReadableStream<Uint8Array>,
  progress: UploadProgress,
): ReadableStream<Uint8Array> {
  let sent = 0;
  progress.sent(0);
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.length;
        progress.sent(sent);
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Uploads a blob unless the repository has it: `existing`, `mounted` (from `mountFrom` in the
 * same registry) or `pushed`. Retried as a whole on retryable failures.
 */
export async function uploadBlob(
  session: Session,
  repo: RepositoryRef,
  blob: BlobSource,
  opts: UploadOptions = {},
): Promise<UploadResult> {
  parseDigest(blob.digest);
  const from = mountSource(repo, opts.mountFrom);
  return await withRetry(
    session.transport.policy,
    () => uploadOnce(session, repo, blob, from, opts.signal, opts.report ?? LOG_ONLY),
    opts.signal ? { signal: opts.signal } : {},
  );
}

/**
 * Blob operations: HEAD, GET (redirects to storage hosts followed without `Authorization`),
 * and upload: HEAD, POST (with a cross-repository mount when possible), then one PUT
 * `digest=` carrying the whole blob (the distribution spec's monolithic upload, one round trip
 * less than ggcr's POST, PATCH, PUT); a registry refusing that gets the streamed PATCH and an
 * empty PUT instead. A blob this run made is most likely new: its upload session is opened
 * while the HEAD asks, and given back when the registry has the blob after all; a small one
 * is sent without a HEAD. The whole upload is retried, re-opening the blob's stream each time.
 */
import { KoError } from "../util/errors.ts";
import { LOG_ONLY, type Reporter, type UploadProgress } from "../progress/reporter.ts";
import { type Digest, parseDigest } from "../oci/digest.ts";
import { checkDigest, verifiedStream } from "./digest_check.ts";
import { RegistryError } from "./http_errors.ts";
import { refuseInternalTarget } from "./target_guard.ts";
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
  /**
   * The blob was made by this run, so the registry most likely lacks it: the upload session
   * is opened alongside the HEAD (not with `mountFrom`).
   */
  likelyNew?: boolean;
}

/** A likely-new blob larger than this is asked for (HEAD) before it is sent. */
const ASK_FIRST_OVER = 1 << 20;

/** Statuses of a PUT with the whole blob meaning "send it with PATCH instead". */
const MONOLITHIC_REJECTED = new Set([405, 411, 413, 501]);

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

/**
 * GETs a blob as a stream, checked against its digest (and `size`, when given) as it is read:
 * the stream errors instead of ending when the bytes are not the blob's.
 */
export async function getBlob(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  signal?: AbortSignal,
  size?: number,
): Promise<ReadableStream<Uint8Array>> {
  const d = parseDigest(digest);
  const context = `GET ${repoName(repo)} blob ${digest}`;
  const res = await session.request(repo, [pullScope(repo.repository)], {
    method: "GET",
    url: blobPath(repo, digest),
    expect: [200],
    context,
    ...(signal ? { signal } : {}),
  });
  return verifiedStream(res.body ?? new Blob([]).stream(), d, context, size);
}

/** GETs a whole blob into memory and verifies its digest. */
export async function getBlobBytes(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const d = parseDigest(digest);
  const context = `GET ${repoName(repo)} blob ${digest}`;
  return await withRetry(session.transport.policy, async () => {
    const res = await session.request(repo, [pullScope(repo.repository)], {
      method: "GET",
      url: blobPath(repo, digest),
      expect: [200],
      context,
      retry: false,
      ...(signal ? { signal } : {}),
    });
    const bytes = await readBody(res, repo.registry);
    checkDigest(context, d, bytes);
    return bytes;
  }, signal ? { signal } : {});
}

/**
 * The `Location` of an upload answer, resolved against the request URL; one on an internal
 * address other than the registry's host is refused (target_guard.ts).
 */
function location(res: Response, requestUrl: URL, context: string, registry: string): URL {
  const loc = res.headers.get("location");
  if (loc === null || loc === "") throw new KoError(`${context}: the registry sent no Location`);
  let url: URL;
  try {
    url = new URL(loc, requestUrl);
  } catch {
    throw new KoError(`${context}: the registry sent an invalid Location "${loc}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new KoError(`${context}: the registry sent a Location that is not http(s): "${loc}"`);
  }
  refuseInternalTarget(url, registry, `${context}: refusing the upload location on`);
  return url;
}

const EMPTY = new Uint8Array(0);

/** One upload attempt, without retries. */
async function uploadOnce(
  session: Session,
  repo: RepositoryRef,
  blob: BlobSource,
  from: string | undefined,
  opts: UploadOptions,
  report: Reporter,
): Promise<UploadResult> {
  const scopes = pushScopes(repo, from === undefined ? [] : [from]);
  const name = repoName(repo);
  const common = { retry: false, ...(opts.signal ? { signal: opts.signal } : {}) } as const;
  const base = await session.ping(repo.registry, opts.signal);
  const uploads = new URL(`${base.scheme}://${repo.registry}/v2/${repo.repository}/blobs/uploads/`);
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
    return location(res, uploads, context, repo.registry);
  };

  const opening = opts.likelyNew && from === undefined
    ? open(`POST ${name} blob upload`)
    : undefined;
  opening?.catch(() => {}); // awaited below, or abandoned
  // A small likely-new blob is sent without asking: sending it again costs less than a HEAD.
  const ask = opening === undefined || blob.size > ASK_FIRST_OVER;
  if (ask && await headBlob(session, repo, blob.digest, { ...common, scopes })) {
    if (opening) void opening.then((loc) => cancelUpload(session, repo, scopes, loc), () => {});
    report.info(`existing blob: ${blob.digest}`);
    return "existing";
  }

  let loc: URL | undefined = opening ? await opening : undefined;
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
      loc = location(res, url, context, repo.registry);
    } catch (err) {
      // A refused mount (no access to the source, unsupported…) is not fatal: upload instead.
      if (!(err instanceof RegistryError) || isRetryableError(err)) throw err;
      report.debug(`${context} failed, uploading instead: ${err.message}`);
    }
  }
  loc ??= await open(`POST ${name} blob upload`);
  const progress = report.upload(blob.digest, blob.size);
  // Each attempt counts from the start again.
  const counted = async () => countBytes(await blob.open(), progress);
  const put = (
    url: URL,
    body: () => Promise<ReadableStream<Uint8Array>> | Uint8Array,
    expect: number[],
  ) =>
    session.request(repo, scopes, {
      method: "PUT",
      url: withDigestParam(url, blob.digest),
      headers: { "content-type": "application/octet-stream" },
      body,
      expect,
      context: `PUT ${name} blob ${blob.digest}`,
      ...common,
    });
  try {
    const whole = await put(loc, counted, [200, 201, 204, ...MONOLITHIC_REJECTED]);
    await whole.body?.cancel();
    if (MONOLITHIC_REJECTED.has(whole.status)) {
      // The whole blob in one PUT refused: stream it with PATCH, then close with an empty PUT.
      loc = await open(`POST ${name} blob upload (streamed)`);
      const patch = await session.request(repo, scopes, {
        method: "PATCH",
        url: loc,
        headers: { "content-type": "application/octet-stream" },
        body: counted,
        expect: [201, 202, 204],
        context: `PATCH ${name} blob ${blob.digest}`,
        ...common,
      });
      await patch.body?.cancel();
      if (patch.headers.get("location")) {
        loc = location(patch, loc, `PATCH ${name} blob ${blob.digest}`, repo.registry);
      }
      const close = await put(loc, () => EMPTY, [200, 201, 204]);
      await close.body?.cancel();
    }
  } finally {
    progress.done();
  }
  report.info(`pushed blob: ${blob.digest}`);
  return "pushed";
}

/** Gives an unused upload session back (best effort: the registry expires it otherwise). */
async function cancelUpload(
  session: Session,
  repo: RepositoryRef,
  scopes: string[],
  loc: URL,
): Promise<void> {
  try {
    const res = await session.request(repo, scopes, {
      method: "DELETE",
      url: loc,
      expect: [200, 202, 204, 404, 405],
      context: `DELETE ${repoName(repo)} blob upload`,
      retry: false,
    });
    await res.body?.cancel();
  } catch {
    // the registry cleans up expired sessions itself
  }
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
    () => uploadOnce(session, repo, blob, from, opts, opts.report ?? LOG_ONLY),
    opts.signal ? { signal: opts.signal } : {},
  );
}

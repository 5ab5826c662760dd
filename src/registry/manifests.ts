/**
 * Manifest operations: GET (digest verified when fetched by digest), HEAD (absent on 404/403,
 * like ggcr) and PUT (exact bytes, `Content-Type` = media type, digest checked against
 * `Docker-Content-Digest`).
 */
import { KoError } from "../util/errors.ts";
import { type Digest, digestAlgorithm, parseDigest } from "../oci/digest.ts";
import { checksumError, digestWith } from "./digest_check.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { detectMediaType, parseJsonObject } from "../oci/manifest.ts";
import { MANIFEST_ACCEPT } from "../oci/media_types.ts";
import { pullScope, pushScopes, repoName, type RepositoryRef } from "./scope.ts";
import { withRetry } from "./retry.ts";
import { readBody, type Session } from "./session.ts";

/** A manifest as fetched: its exact bytes, media type and digest. */
export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: Digest;
}

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Checks a tag or digest used in a manifest URL; returns the digest when it is one. */
function checkManifestRef(ref: string): Digest | undefined {
  if (ref.includes(":")) return parseDigest(ref);
  if (!TAG_RE.test(ref)) {
    throw new KoError(
      `invalid tag "${ref}": expected up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
  }
  return undefined;
}

function manifestPath(repo: RepositoryRef, ref: string): string {
  return `/v2/${repo.repository}/manifests/${ref}`;
}

/** The media type from a `Content-Type` header, parameters dropped. */
function contentType(res: Response): string | undefined {
  return res.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
}

/** GETs a manifest by tag or digest. */
export async function getManifest(
  session: Session,
  repo: RepositoryRef,
  ref: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const wanted = checkManifestRef(ref);
  const context = `GET ${repoName(repo)} manifest ${ref}`;
  // Retried as a whole, so a body cut short is fetched again too.
  return await withRetry(session.transport.policy, async () => {
    const res = await session.request(repo, [pullScope(repo.repository)], {
      method: "GET",
      url: manifestPath(repo, ref),
      headers: { accept: MANIFEST_ACCEPT.join(", ") },
      expect: [200],
      context,
      retry: false,
      ...(signal ? { signal } : {}),
    });
    const bytes = await readBody(res, repo.registry);
    const digest = digestWith(wanted ? digestAlgorithm(wanted) : "sha256", bytes);
    if (wanted !== undefined && digest !== wanted) throw checksumError(context, wanted, digest);
    let mediaType = contentType(res) ?? "";
    if (!MANIFEST_ACCEPT.includes(mediaType)) {
      mediaType = detectMediaType(parseJsonObject(bytes, context), mediaType);
    }
    return { bytes, mediaType, digest };
  }, signal ? { signal } : {});
}

/**
 * HEADs a manifest: its descriptor, or undefined when absent (404, and 403 as ggcr does).
 * Falls back to a GET when the registry leaves out the digest or size headers.
 */
export async function headManifest(
  session: Session,
  repo: RepositoryRef,
  ref: string,
  signal?: AbortSignal,
): Promise<Descriptor | undefined> {
  checkManifestRef(ref);
  const res = await session.request(repo, [pullScope(repo.repository)], {
    method: "HEAD",
    url: manifestPath(repo, ref),
    headers: { accept: MANIFEST_ACCEPT.join(", ") },
    expect: [200, 403, 404],
    context: `HEAD ${repoName(repo)} manifest ${ref}`,
    ...(signal ? { signal } : {}),
  });
  await res.body?.cancel();
  if (res.status !== 200) return undefined;
  const header = res.headers.get("docker-content-digest");
  const length = Number(res.headers.get("content-length") ?? "NaN");
  const mediaType = contentType(res);
  if (header === null || !Number.isSafeInteger(length) || mediaType === undefined) {
    const m = await getManifest(session, repo, ref, signal);
    return { mediaType: m.mediaType, size: m.bytes.length, digest: m.digest };
  }
  return { mediaType, size: length, digest: parseDigest(header) };
}

/**
 * PUTs manifest bytes under a tag or digest and returns their digest. Success is 200, 201 or
 * 202; a `Docker-Content-Digest` answer that disagrees is an error.
 */
export async function putManifest(
  session: Session,
  repo: RepositoryRef,
  ref: string,
  bytes: Uint8Array,
  mediaType: string,
  signal?: AbortSignal,
): Promise<Digest> {
  const byDigest = checkManifestRef(ref);
  const context = `PUT ${repoName(repo)} manifest ${ref}`;
  const digest = digestWith(byDigest ? digestAlgorithm(byDigest) : "sha256", bytes);
  if (byDigest !== undefined && byDigest !== digest) {
    throw new KoError(`${context}: the manifest bytes have digest ${digest}`);
  }
  const res = await session.request(repo, pushScopes(repo), {
    method: "PUT",
    url: manifestPath(repo, ref),
    headers: { "content-type": mediaType },
    body: () => bytes,
    expect: [200, 201, 202],
    context,
    ...(signal ? { signal } : {}),
  });
  await res.body?.cancel();
  const answered = res.headers.get("docker-content-digest");
  if (answered !== null && answered !== "" && digestAlgorithm(answered) === "sha256") {
    const mine = byDigest === undefined ? digest : digestWith("sha256", bytes);
    if (answered !== mine) {
      throw new KoError(`${context}: the registry stored digest ${answered}, expected ${mine}`);
    }
  }
  return digest;
}

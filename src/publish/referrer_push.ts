/**
 * Pushing an OCI 1.1 referrer (distribution-spec "referrers"): the artifact's blobs, then its
 * manifest by digest. A registry with the referrers API lists it from its `subject` by
 * itself; for one without (a 404 from `GET /v2/<name>/referrers/<digest>`, as Debian's
 * distribution 2.8 answers), the client keeps the fallback tag `sha256-<hex>` of the subject:
 * an image index of referrer descriptors that is read, deduplicated, appended to and pushed.
 *
 * Whether the registry has the API is asked once the subject is in (so the repository
 * exists), by the GET above: an OCI index answer means yes.
 *
 * A referrer of a subject pushed just now cannot be there yet: its manifest is put, the API
 * asked and the fallback tag read all at once (its blobs went with the subject's). A rebuild
 * usually finds everything in place: the artifact manifest (so its blobs) and a fallback index
 * listing just this referrer, whose digest is known in advance; two HEADs, sent together,
 * settle that in one round trip before anything is pushed or fetched.
 */
import type { Reporter } from "../progress/reporter.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { sha256Digest } from "../oci/digest.ts";
import { type Index, parseIndex, serializeIndex } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";
import type { Repository } from "../oci/reference.ts";
import type { RegistryClient } from "../registry/client.ts";
import { referrersTag } from "../registry/referrers.ts";
import { RegistryError } from "../registry/http_errors.ts";
import { KoError } from "../util/errors.ts";
import { type Artifact, EMPTY_DESCRIPTOR } from "../oci/artifact.ts";

/** How a referrer became discoverable. */
type ReferrerRoute = "referrers-api" | "fallback-tag";

/** Pushes the blobs of an artifact (skipping those present). */
export async function pushArtifactBlobs(
  client: RegistryClient,
  repo: Repository,
  artifact: Artifact,
  report: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  await Promise.all(artifact.blobs.map((b) =>
    client.uploadBlob(repo, {
      digest: b.digest,
      size: b.bytes.length,
      open: () => Promise.resolve(new Blob([b.bytes as BlobPart]).stream()),
    }, {
      report,
      // The empty config `{}` is in every repository that ever had an artifact.
      likelyNew: b.digest !== EMPTY_DESCRIPTOR.digest,
      ...(signal ? { signal } : {}),
    })
  ));
}

/**
 * Pushes a referrer artifact (its manifest must have a `subject`) into the subject's
 * repository and makes it discoverable: by the registry's referrers API when it has one,
 * else through the fallback tag. Returns which way it went.
 */
export async function pushReferrer(
  client: RegistryClient,
  repo: Repository,
  artifact: Artifact,
  report: Reporter,
  opts: { signal?: AbortSignal; fresh?: boolean } = {},
): Promise<ReferrerRoute> {
  const { signal } = opts;
  const subject = artifact.manifest.subject;
  if (!subject) throw new KoError(`artifact ${artifact.digest} has no subject: not a referrer`);
  const entry = referrerDescriptor(artifact);
  if (opts.fresh) {
    const [, listed, existing] = await Promise.all([
      client.putManifest(repo, artifact.digest, artifact.bytes, artifact.mediaType, signal),
      client.getReferrers(repo, subject.digest, undefined, signal),
      readFallbackTag(client, repo, subject.digest, signal),
    ]);
    if (listed !== undefined) return "referrers-api";
    await writeFallbackTag(client, repo, subject.digest, withReferrer(existing, entry), signal);
    return "fallback-tag";
  }
  const [stored, fallback] = await Promise.all([
    client.headManifest(repo, artifact.digest, signal),
    client.headManifest(repo, referrersTag(subject.digest), signal),
  ]);
  if (stored?.digest !== artifact.digest) {
    // A registry accepts a manifest only once its blobs are in: pushed, they both are.
    await pushArtifactBlobs(client, repo, artifact, report, signal);
    await client.putManifest(repo, artifact.digest, artifact.bytes, artifact.mediaType, signal);
  } else if (fallback?.digest === soleReferrerIndexDigest(entry)) {
    return "fallback-tag";
  }
  const listed = await client.getReferrers(repo, subject.digest, undefined, signal);
  if (listed !== undefined) return "referrers-api";
  const existing = await readFallbackTag(client, repo, subject.digest, signal);
  await writeFallbackTag(client, repo, subject.digest, withReferrer(existing, entry), signal);
  return "fallback-tag";
}

/** The digest of the fallback index that lists only `entry` (what a first push writes). */
export function soleReferrerIndexDigest(entry: Descriptor): string {
  return sha256Digest(serializeIndex(withReferrer(undefined, entry)!));
}

/** The index entry of a referrer: media type, size, digest, artifactType and annotations. */
export function referrerDescriptor(artifact: Artifact): Descriptor {
  const m = artifact.manifest;
  return {
    mediaType: artifact.mediaType,
    size: artifact.bytes.length,
    digest: artifact.digest,
    ...(m.annotations ? { annotations: m.annotations } : {}),
    artifactType: m.artifactType ?? m.config.mediaType,
  };
}

/**
 * The fallback index with `entry` added: `existing` (or an empty OCI index) with any entry of
 * the same digest replaced by `entry`, new entries appended. Undefined when nothing changes.
 */
export function withReferrer(existing: Index | undefined, entry: Descriptor): Index | undefined {
  const index: Index = existing ??
    { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  const same = index.manifests.findIndex((d) => d.digest === entry.digest);
  if (same >= 0 && sameDescriptor(index.manifests[same]!, entry)) return undefined;
  const manifests = same >= 0
    ? index.manifests.map((d, i) => (i === same ? entry : d))
    : [...index.manifests, entry];
  return { ...index, mediaType: index.mediaType ?? MediaType.OciIndex, manifests };
}

/** The fallback index of `subject`, or undefined when it has none. */
async function readFallbackTag(
  client: RegistryClient,
  repo: Repository,
  subject: string,
  signal?: AbortSignal,
): Promise<Index | undefined> {
  const tag = referrersTag(subject);
  try {
    const got = await client.getManifest(repo, tag, signal);
    if (got.mediaType !== MediaType.OciIndex) {
      throw new KoError(
        `referrers fallback tag ${repo.registry}/${repo.repository}:${tag} holds a ${got.mediaType}, not an OCI image index: delete that tag so referrers of ${subject} can be listed`,
      );
    }
    return parseIndex(got.bytes, `referrers fallback index ${tag}`);
  } catch (e) {
    if (e instanceof RegistryError && e.status === 404) return undefined;
    throw e;
  }
}

/** Pushes the fallback index of `subject` (nothing when unchanged: undefined). */
async function writeFallbackTag(
  client: RegistryClient,
  repo: Repository,
  subject: string,
  updated: Index | undefined,
  signal?: AbortSignal,
): Promise<void> {
  if (!updated) return;
  const tag = referrersTag(subject);
  await client.putManifest(repo, tag, serializeIndex(updated), MediaType.OciIndex, signal);
}

/** Whether two descriptors serialise to the same bytes (field order and omissions as Go's). */
function sameDescriptor(a: Descriptor, b: Descriptor): boolean {
  const text = (d: Descriptor) =>
    new TextDecoder().decode(serializeIndex({ schemaVersion: 2, manifests: [d] }));
  return text(a) === text(b);
}

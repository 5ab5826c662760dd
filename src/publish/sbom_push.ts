/**
 * Publishing the SBOMs attached to a build result (the registry publisher's `pushAttachments`):
 * for the result and, for an index, every child, two ways at once —
 *
 * - ko's cosign-style attachment at `<repo>:sha256-<hex>.sbom`, in `$COSIGN_REPOSITORY` when
 *   set (so `cosign download sbom` finds it, as with ko), logged `Published SBOM <ref>`;
 * - an OCI 1.1 referrer next to the subject in its own repository (where OCI 1.1 clients look
 *   for it), listed by the referrers API or the fallback tag (src/publish/referrer_push.ts).
 *
 * Nothing here touches the image itself: its digest is the same with or without SBOMs.
 */
import type { BuildResult } from "../image/image.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import type { Repository } from "../oci/reference.ts";
import type { RegistryClient } from "../registry/client.ts";
import { allOrNothing } from "../util/concurrency.ts";
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import type { Reporter } from "../progress/reporter.ts";
import {
  type AttachedFile,
  attachmentTag,
  cosignAttachment,
  referrerArtifact,
} from "./attachment_artifact.ts";
import { parseCosignRepository } from "./cosign_repository.ts";
import { pushArtifactBlobs, pushReferrer } from "./referrer_push.ts";

/** What SBOM publishing needs. */
interface SbomPushOptions {
  /** The registry client (created lazily by the session). */
  readonly client: () => RegistryClient;
  /** `COSIGN_REPOSITORY`: where the cosign-style tags go instead of the image repository. */
  readonly cosignRepository?: string;
  /** `--insecure-registry`: parse `COSIGN_REPOSITORY` allowing plain HTTP. */
  readonly insecure?: boolean;
  /** Also push OCI 1.1 referrers (default true). */
  readonly referrers?: boolean;
}

/** Pushes the attachments of a result (and its children) next to it in a repository. */
export interface AttachmentPush {
  /** The attachments' blobs: pushed alongside the result's own, before its manifest. */
  blobs(
    repo: Repository,
    result: BuildResult,
    report: Reporter,
    signal?: AbortSignal,
  ): Promise<void>;
  /**
   * The attachments' manifests, once the registry has the result. `fresh`: the result was
   * pushed just now, after {@link blobs}, so nothing naming it can be there yet and nothing
   * is asked first.
   */
  manifests(
    repo: Repository,
    result: BuildResult,
    report: Reporter,
    opts: { fresh: boolean; signal?: AbortSignal },
  ): Promise<void>;
}

/** One SBOM to publish and what it describes. */
interface SbomSubject {
  readonly subject: Descriptor;
  readonly sbom: AttachedFile;
}

/**
 * Pushes the SBOMs attached to results. A bad `COSIGN_REPOSITORY` fails here, before any
 * build starts.
 */
export function sbomAttachments(o: SbomPushOptions): AttachmentPush {
  const cosignRepo = o.cosignRepository
    ? parseCosignRepository(o.cosignRepository, o.insecure ?? false)
    : undefined;
  /** Referrers whose blobs the registry refused, with why. */
  const refused = new Map<string, unknown>();
  return {
    async blobs(repo, result, report, signal) {
      const subjects = sbomSubjects(result);
      if (subjects.length === 0) return;
      const client = o.client();
      await allOrNothing(
        subjects.flatMap(({ subject, sbom }) => [
          async (stop: AbortSignal) => {
            try {
              await pushArtifactBlobs(
                client,
                cosignRepo ?? repo,
                cosignAttachment(sbom),
                report,
                stop,
              );
            } catch (e) {
              if (isAbortError(e) || stop.aborted) throw e;
              throw new KoError(`writing sbom: ${errorMessage(e)}`, { cause: e });
            }
          },
          async (stop: AbortSignal) => {
            if (o.referrers === false) return;
            const artifact = referrerArtifact(sbom, subject);
            // A referrer whose blobs are refused is given up with a warning when its manifest
            // would be pushed (not before: the SBOM's own push may fail the build instead).
            await pushArtifactBlobs(client, repo, artifact, report, stop).catch((e) => {
              if (isAbortError(e) || stop.aborted) throw e;
              refused.set(referrerKey(repo, artifact.digest), e);
            });
          },
        ]),
        signal,
      );
    },
    async manifests(repo, result, report, { fresh, signal }) {
      const subjects = sbomSubjects(result);
      if (subjects.length === 0) return;
      const client = o.client();
      await Promise.all(subjects.map(async ({ subject, sbom }) => {
        const target = cosignRepo ?? repo;
        const cosign = pushCosignSbom(client, target, subject, sbom, report, signal, fresh);
        await Promise.all([
          cosign,
          o.referrers === false
            ? undefined
            : pushSbomReferrer(client, repo, subject, sbom, report, {
              signal,
              fresh,
              refused: (digest) => refused.get(referrerKey(repo, digest)),
            }, cosign),
        ]);
      }));
    },
  };
}

/** The SBOMs attached to a result and its built children, result first, children in order. */
export function sbomSubjects(result: BuildResult): SbomSubject[] {
  const out: SbomSubject[] = [];
  const add = (subject: Descriptor, sbom: AttachedFile | undefined) => {
    if (sbom) out.push({ subject, sbom });
  };
  add(descriptorFor(result), result.attachments?.sbom);
  if (result.kind === "index") {
    for (const child of result.children) {
      if (child.image) add(descriptorFor(child.image), child.image.attachments?.sbom);
    }
  }
  return out;
}

/**
 * Pushes ko's cosign-style SBOM attachment for `subject` and logs `Published SBOM <ref>`;
 * `fresh`: its blobs are in and its tag cannot be, so the manifest is put straight away.
 */
async function pushCosignSbom(
  client: RegistryClient,
  repo: Repository,
  subject: Descriptor,
  sbom: AttachedFile,
  report: Reporter,
  signal: AbortSignal | undefined,
  fresh: boolean,
): Promise<string> {
  const artifact = cosignAttachment(sbom);
  const tag = attachmentTag(subject.digest);
  const ref = `${repo.registry}/${repo.repository}:${tag}`;
  try {
    if (fresh) {
      await client.putManifest(repo, tag, artifact.bytes, artifact.mediaType, signal);
    } else if ((await client.headManifest(repo, tag, signal))?.digest !== artifact.digest) {
      await pushArtifactBlobs(client, repo, artifact, report, signal);
      await client.putManifest(repo, tag, artifact.bytes, artifact.mediaType, signal);
    }
  } catch (e) {
    throw new KoError(`writing sbom: ${errorMessage(e)}`, { cause: e });
  }
  report.info(`Published SBOM ${ref}`);
  return ref;
}

/**
 * Pushes the SBOM of `subject` as an OCI 1.1 referrer in the subject's repository. The
 * referrer is an addition to what ko publishes: a registry that refuses OCI 1.1 artifacts
 * (empty config, `artifactType`) gets a warning, not a failed build, since the cosign-style
 * tag carries the SBOM already. Returns whether it was published. With `alongside` (the
 * cosign-style push running at the same time), the warning is only given when that succeeds.
 */
async function pushSbomReferrer(
  client: RegistryClient,
  repo: Repository,
  subject: Descriptor,
  sbom: AttachedFile,
  report: Reporter,
  opts: {
    signal: AbortSignal | undefined;
    fresh: boolean;
    /** Why the registry refused the referrer's blobs, if it did. */
    refused: (digest: string) => unknown;
  },
  alongside?: Promise<unknown>,
): Promise<boolean> {
  const { signal } = opts;
  const artifact = referrerArtifact(sbom, subject);
  let route;
  try {
    const refusal = opts.refused(artifact.digest);
    if (refusal !== undefined) throw refusal;
    route = await pushReferrer(client, repo, artifact, report, {
      fresh: opts.fresh,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (isAbortError(e) || signal?.aborted) throw e;
    // When the cosign-style push fails too, its error ends the build: no warning repeating it.
    if (alongside && !(await alongside.then(() => true, () => false))) return false;
    report.warn(
      `could not publish the SBOM of ${subject.digest} as an OCI referrer in ${repo.registry}/${repo.repository}: ${
        errorMessage(e)
      }`,
    );
    return false;
  }
  report.info(
    `Published SBOM ${repo.registry}/${repo.repository}@${artifact.digest} as a referrer of ${subject.digest}` +
      (route === "fallback-tag" ? ` (fallback tag ${subject.digest.replace(":", "-")})` : ""),
  );
  return true;
}

function referrerKey(repo: Repository, digest: string): string {
  return `${repo.registry}/${repo.repository}@${digest}`;
}

function descriptorFor(result: BuildResult): Descriptor {
  return { mediaType: result.mediaType, size: result.manifestBytes.length, digest: result.digest };
}

/**
 * Publishing the signature and attestations of a pushed image or index (the registry
 * publisher's `sign` option), once its manifest is in the registry:
 *
 * - cosign's tags `sha256-<hex>.sig` and `.att` (in `$COSIGN_REPOSITORY` when set), read,
 *   merged (cosign_layers.ts) and pushed back only when they change — what `cosign verify`
 *   and `cosign verify-attestation` read;
 * - OCI 1.1 referrers next to the subject (referrers API or fallback tag), as for SBOMs. A
 *   registry that refuses them gets a warning: the tags carry everything already.
 */
import type { BuildResult } from "../image/image.ts";
import type { Artifact } from "../oci/artifact.ts";
import { parseManifest } from "../oci/manifest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import type { Repository } from "../oci/reference.ts";
import type { RegistryClient } from "../registry/client.ts";
import { RegistryError } from "../registry/http_errors.ts";
import {
  attestationReferrer,
  signatureReferrer,
  withAttestations,
  withSignature,
} from "../sign/cosign_layers.ts";
import type { ImageSigning } from "../sign/image_signing.ts";
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import type { Reporter } from "../progress/reporter.ts";
import { attachmentTag } from "./attachment_artifact.ts";
import { pushArtifactBlobs, pushReferrer } from "./referrer_push.ts";

/** Signs one result (not its children) and pushes what that makes next to it in `repo`. */
export type SignaturePush = (
  repo: Repository,
  result: BuildResult,
  report: Reporter,
  signal?: AbortSignal,
) => Promise<void>;

/** What signature publishing needs. */
interface SignaturePushOptions {
  readonly client: () => RegistryClient;
  readonly signing: ImageSigning;
  /** `COSIGN_REPOSITORY`, parsed: where the `.sig` and `.att` tags go. */
  readonly cosignRepository?: Repository;
}

/** The signature pusher of a run. */
export function signaturePush(o: SignaturePushOptions): SignaturePush {
  return async (repo, result, report, signal) => {
    const client = o.client();
    const signed = await o.signing.sign(result, `${repo.registry}/${repo.repository}`);
    const tags = o.cosignRepository ?? repo;
    const where = `${tags.registry}/${tags.repository}`;
    try {
      await updateTag(
        client,
        tags,
        attachmentTag(result.digest, "sig"),
        report,
        signal,
        (existing) => withSignature(existing, signed.signature),
      );
      report.info(`Published signature ${where}:${attachmentTag(result.digest, "sig")}`);
      if (signed.attestations.length) {
        await updateTag(
          client,
          tags,
          attachmentTag(result.digest, "att"),
          report,
          signal,
          (existing) => withAttestations(existing, signed.attestations),
        );
        report.info(`Published attestations ${where}:${attachmentTag(result.digest, "att")}`);
      }
    } catch (e) {
      if (isAbortError(e)) throw e;
      throw new KoError(`signing ${result.digest}: ${errorMessage(e)}`, { cause: e });
    }
    const referrers = [
      signatureReferrer(signed.signature, signed.subject),
      ...signed.attestations.map((a) => attestationReferrer(a, signed.subject)),
    ];
    // One after another: without the referrers API they share the subject's fallback tag.
    for (const artifact of referrers) {
      try {
        await pushReferrer(client, repo, artifact, report, signal ? { signal } : {});
      } catch (e) {
        if (isAbortError(e) || signal?.aborted) throw e;
        report.warn(
          `could not publish the signature referrer ${artifact.digest} of ${result.digest} in ${repo.registry}/${repo.repository}: ${
            errorMessage(e)
          }`,
        );
      }
    }
  };
}

/**
 * Reads the cosign image at `tag` (none yet: no layers), asks `update` for the new one and
 * pushes it when there is one.
 */
async function updateTag(
  client: RegistryClient,
  repo: Repository,
  tag: string,
  report: Reporter,
  signal: AbortSignal | undefined,
  update: (existing: readonly Descriptor[]) => Artifact | undefined,
): Promise<void> {
  let existing: Descriptor[] = [];
  try {
    const got = await client.getManifest(repo, tag, signal);
    existing = parseManifest(got.bytes, `${repo.registry}/${repo.repository}:${tag}`).layers;
  } catch (e) {
    if (!(e instanceof RegistryError && e.status === 404)) throw e;
  }
  const artifact = update(existing);
  if (!artifact) return;
  await pushArtifactBlobs(client, repo, artifact, report, signal);
  await client.putManifest(repo, tag, artifact.bytes, artifact.mediaType, signal);
}

/**
 * Chooses and composes publishers from the flags and `KO_DOCKER_REPO`, as ko does
 * (ko-behaviour 8.1): the Docker daemon for `ko.local`/`--local`, kind for `kind.local`,
 * otherwise layout → tarball → registry in a chain (or the no-op publisher), wrapped by the
 * `--image-refs` recorder.
 */

import { checkTag, parseRepository } from "../oci/reference.ts";
import type { RegistryClient } from "../registry/client.ts";
import { checkWritableTarget } from "../util/atomic_file.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { imageRepository, namer, namingStrategy } from "./naming.ts";
import { joinPath } from "../util/go_path.ts";
import type { Publisher } from "./publisher.ts";
import type { AttachmentPush } from "./sbom_push.ts";
import { daemonPublisher, kindPublisher } from "./local_publishers.ts";
import type { Env } from "../util/command.ts";
import { RegistryPublisher } from "./registry_publisher.ts";
import type { ImageSigning } from "../sign/image_signing.ts";
import { parseCosignRepository } from "./cosign_repository.ts";
import type { SignaturePush } from "./signature_push.ts";

/** The publish flags (see src/cli/options/publish_options.ts) plus what they need. */
interface PublisherSettings {
  readonly tags: readonly string[];
  readonly tagOnly: boolean;
  readonly push: boolean;
  readonly local: boolean;
  readonly insecureRegistry: boolean;
  readonly ociLayoutPath: string;
  readonly tarball: string;
  readonly imageRefs: string;
  readonly preserveImportPaths: boolean;
  readonly baseImportPaths: boolean;
  readonly bare: boolean;
  /** `KO_DOCKER_REPO`; undefined when unset. */
  readonly dockerRepo: string | undefined;
  readonly jobs: number;
  /** The registry client, created lazily (only a registry publisher needs it). */
  readonly client: () => RegistryClient;
  /** Pushes SBOMs and other attachments next to a result. */
  readonly pushAttachments?: AttachmentPush;
  /**
   * Signs what is pushed (`.sig`/`.att` tags and referrers) or written into a layout
   * (referrers); see {@link unsignedReason} for the publishers that keep no signatures.
   */
  readonly signing?: ImageSigning;
  /** The environment (the verb's): where the Docker daemon and kind's nodes are. */
  readonly env: Env;
  /** The run's cancellation (SIGINT, SIGTERM): stops files being written at close. */
  readonly signal?: AbortSignal;
}

/** The local target `KO_DOCKER_REPO` or `--local` chooses, if any. */
function localTarget(s: Pick<PublisherSettings, "local" | "dockerRepo">): string | undefined {
  const repo = s.dockerRepo ?? "";
  if (s.local || repo.startsWith("ko.local")) return "ko.local";
  if (repo.startsWith("kind.local")) return "kind.local";
  return undefined;
}

/**
 * Why a run's images would carry no signature (one line), or undefined when they will: a
 * Docker daemon or kind keeps no signatures, and `--push=false` without `--oci-layout-path`
 * keeps the images nowhere a signature could go.
 */
export function unsignedReason(
  s: Pick<PublisherSettings, "local" | "dockerRepo" | "push" | "ociLayoutPath">,
): string | undefined {
  const local = localTarget(s);
  if (local) {
    return `images loaded into ${local} are not signed (a ${
      local === "ko.local" ? "Docker daemon" : "kind node"
    } keeps no signatures): push them to a registry or write --oci-layout-path to sign them`;
  }
  if (!s.push && !s.ociLayoutPath) {
    return "nothing is signed with --push=false: only pushed images and --oci-layout-path layouts keep signatures";
  }
  return undefined;
}

/** Builds the publisher for a command. */
export async function makePublisher(s: PublisherSettings): Promise<Publisher> {
  for (const tag of s.tags) checkTag(tag);
  let repo = s.dockerRepo ?? "";
  if (s.local && repo === "") repo = "ko.local";
  const local = localTarget(s);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(repo);
  if (scheme) {
    throw new KoError(
      `KO_DOCKER_REPO "${repo}" must not start with ${
        scheme[0]
      }: name the repository alone, such as ${
        repo.slice(scheme[0].length).replace(/\/+$/, "") || "ghcr.io/you"
      }`,
    );
  }
  // `ghcr.io/me/` names images as `ghcr.io/me` does (ko joins with path.Join); --bare too.
  if (repo.endsWith("/") || repo.includes("//")) repo = joinPath(repo);
  const strategy = namingStrategy(s);
  const name = namer(strategy);
  let inner: Publisher;
  if (local) {
    // Checked before anything is built (ko finds a bad name only when loading).
    try {
      parseRepository(repo);
    } catch (e) {
      throw new KoError(`failed to parse "${repo}" as repository: ${errorMessage(e)}`);
    }
  }
  if (local === "ko.local") {
    inner = await daemonPublisher(s.env, repo, name, s.tags);
  } else if (local === "kind.local") {
    inner = await kindPublisher(s.env, repo, name, s.tags);
  } else {
    if (s.push && repo === "") {
      throw new KoError(
        "KO_DOCKER_REPO environment variable is unset: set it to a registry repository such as ghcr.io/you (or use --push=false)",
      );
    }
    // Like ko, a set KO_DOCKER_REPO must parse even when nothing is pushed.
    if (repo !== "") {
      try {
        parseRepository(repo, { insecure: s.insecureRegistry });
      } catch (e) {
        throw new KoError(`failed to parse "${repo}" as repository: ${errorMessage(e)}`);
      }
    }
    // --bare names every image KO_DOCKER_REPO itself: check that name before building (a
    // layout alone needs no name, as in ko: its entries then have no ref.name).
    const layoutOnly = s.ociLayoutPath !== "" && !s.tarball && !s.push;
    if (strategy === "bare" && !(layoutOnly && repo === "")) {
      imageRepository(repo, s.insecureRegistry);
    }
    // Checks that can fail run before the layout directory may be created. The publishers
    // other than the registry's load only when asked for (start-up of every build).
    const tarball = s.tarball
      ? await (await import("./tarball_publisher.ts")).TarballPublisher.create(
        s.tarball,
        repo,
        name,
        s.tags,
        s.tagOnly,
        s.signal,
      )
      : undefined;
    if (s.imageRefs) await checkWritableTarget(s.imageRefs, "--image-refs");
    const chain: Publisher[] = [];
    if (s.ociLayoutPath) {
      const { LayoutPublisher } = await import("./layout_publisher.ts");
      chain.push(await LayoutPublisher.create(s.ociLayoutPath, repo, name, s.tags, s.signing));
    }
    if (tarball) chain.push(tarball);
    if (s.push) {
      chain.push(
        new RegistryPublisher({
          client: s.client(),
          baseRepo: repo,
          namer: name,
          tags: s.tags,
          tagOnly: s.tagOnly,
          insecure: s.insecureRegistry,
          jobs: s.jobs,
          ...(s.pushAttachments ? { pushAttachments: s.pushAttachments } : {}),
          ...(s.signing ? { sign: await signatures(s, s.signing) } : {}),
        }),
      );
    }
    inner = chain.length === 0
      ? new (await import("./noop_publisher.ts")).NoopPublisher(repo, name, s.tags, s.tagOnly)
      : chain.length === 1
      ? chain[0]!
      : new (await import("./multi_publisher.ts")).MultiPublisher(chain);
  }
  if (s.imageRefs) {
    const { RecordingPublisher } = await import("./recording_publisher.ts");
    inner = await RecordingPublisher.create(inner, s.imageRefs);
  }
  return inner;
}

/**
 * The signature pusher of a signed run (`.sig`/`.att` in `$COSIGN_REPOSITORY` when set),
 * loaded only for such a run.
 */
async function signatures(s: PublisherSettings, signing: ImageSigning): Promise<SignaturePush> {
  const cosignRepo = s.env.COSIGN_REPOSITORY;
  const { signaturePush } = await import("./signature_push.ts");
  return signaturePush({
    client: s.client,
    signing,
    ...(cosignRepo
      ? { cosignRepository: parseCosignRepository(cosignRepo, s.insecureRegistry) }
      : {}),
  });
}

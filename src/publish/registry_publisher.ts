/**
 * Publishes to a registry under `KO_DOCKER_REPO`: blobs in parallel (existing ones skipped,
 * base layers mounted across repositories of the same registry and never downloaded), child
 * manifests by digest, then the top manifest at each tag — PUT last, so a tag never points at
 * an incomplete image. An index's children (and their SBOMs) are pushed as soon as each is
 * built (a `child` event), while the other platforms still build.
 */
import type { BuildResult, Image } from "../image/image.ts";
import type { Digest } from "../oci/digest.ts";
import type { Repository } from "../oci/reference.ts";
import type { RegistryClient } from "../registry/client.ts";
import { allOrNothing, mapConcurrent } from "../util/concurrency.ts";
import { KoError } from "../util/errors.ts";
import type { Reporter } from "../progress/reporter.ts";
import { formatPlatform } from "../oci/platform.ts";
import { imageRepository, type Namer } from "./naming.ts";
import { registryReference } from "./printed_reference.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";
import type { BuildEvent } from "../build/builder.ts";
import type { AttachmentPush } from "./sbom_push.ts";
import type { SignaturePush } from "./signature_push.ts";

/** Options of the registry publisher. */
interface RegistryPublisherOptions {
  client: RegistryClient;
  /** `KO_DOCKER_REPO`. */
  baseRepo: string;
  namer: Namer;
  tags: readonly string[];
  tagOnly: boolean;
  insecure: boolean;
  /** Parallel blob uploads. */
  jobs: number;
  /** Extra artifacts to push alongside a result (SBOMs); returns log lines' references. */
  pushAttachments?: AttachmentPush;
  /**
   * Signs and attests each image and index (every child too) once its manifest is in, before
   * its reference is printed.
   */
  sign?: SignaturePush;
}

/** Pushes images and indexes to a registry. */
export class RegistryPublisher implements Publisher {
  readonly #o: RegistryPublisherOptions;
  /** Children pushed ahead of their index, by manifest digest. */
  readonly #children = new Map<string, Promise<void>>();

  constructor(opts: RegistryPublisherOptions) {
    if (opts.tagOnly) {
      if (opts.tags.length !== 1) {
        throw new KoError(
          "must specify exactly one tag to resolve images into tag-only references",
        );
      }
      if (opts.tags[0] === "latest") {
        throw new KoError("latest tag cannot be used in tag-only references");
      }
    }
    if (opts.tags.length === 0) throw new KoError("at least one tag is required to push");
    this.#o = opts;
  }

  async publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    if (event.kind === "child") {
      await this.#pushChildAhead(event.image, target, signal);
      return "";
    }
    const { report } = target;
    const { result } = event;
    const o = this.#o;
    const { name, repo } = this.#target(target.importPath);
    // Children pushed ahead, SBOMs included, are not pushed again.
    const ahead = new Set<string>();
    if (result.kind === "index") {
      await Promise.all(result.children.map(async ({ descriptor: { digest } }) => {
        const pushed = this.#children.get(digest);
        if (pushed === undefined) return;
        await pushed;
        ahead.add(digest);
      }));
    }
    report.info(`Publishing ${name}:${o.tags[0]}`);
    for (const tag of o.tags.slice(1)) report.info(`Tagging ${name}:${tag}`);
    report.phase("uploading");
    const rest = withoutChildren(result, ahead);
    const attachmentBlobs = o.pushAttachments &&
      ((stop: AbortSignal) => o.pushAttachments!.blobs(repo, rest, report, stop));
    const pushed = await this.#pushTagged(repo, result, ahead, report, signal, attachmentBlobs);
    // Attachments name the image by digest: their manifests are pushed once the registry has
    // accepted it, so none is ever left pointing at nothing.
    await o.pushAttachments?.manifests(repo, rest, report, {
      fresh: pushed,
      ...(signal ? { signal } : {}),
    });
    if (o.sign) await this.#signAll(o.sign, repo, result, ahead, report, signal);
    const ref = registryReference(name, o.tags, result.digest, o.tagOnly);
    report.info(`Published ${ref}`);
    report.phase(pushed ? "done" : "cached");
    return ref;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to undo: no tag points at anything incomplete. */
  abort(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Pushes a child of an index (its blobs, its manifest by digest, its SBOM) while the other
   * children build, once per digest; the index's publish waits for it.
   */
  #pushChildAhead(image: Image, target: PublishTarget, signal?: AbortSignal): Promise<void> {
    let pushed = this.#children.get(image.digest);
    if (pushed === undefined) {
      const report = target.report.forPlatform(imagePlatform(image));
      pushed = (async () => {
        const { repo } = this.#target(target.importPath);
        report.phase("uploading");
        const attachments = this.#o.pushAttachments;
        const sent = await pushChild(
          this.#o.client,
          repo,
          image,
          this.#o.jobs,
          report,
          signal,
          attachments && ((stop) => attachments.blobs(repo, image, report, stop)),
        );
        await attachments?.manifests(repo, image, report, {
          fresh: sent,
          ...(signal ? { signal } : {}),
        });
        await this.#o.sign?.(repo, image, report, signal);
        report.phase(sent ? "done" : "cached");
      })();
      pushed.catch(() => {}); // reported by the index's publish too
      this.#children.set(image.digest, pushed);
    }
    return pushed;
  }

  /** Signs a pushed result: its children but those signed when pushed ahead, then itself. */
  async #signAll(
    sign: SignaturePush,
    repo: Repository,
    result: BuildResult,
    ahead: ReadonlySet<string>,
    report: Reporter,
    signal?: AbortSignal,
  ): Promise<void> {
    if (result.kind === "index") {
      await Promise.all(result.children.map((c) => {
        if (ahead.has(c.descriptor.digest)) return;
        if (!c.image) throw new KoError(`index child ${c.descriptor.digest} was not built`);
        return sign(repo, c.image, report.forPlatform(imagePlatform(c.image)), signal);
      }));
    }
    await sign(repo, result, report, signal);
  }

  /** The repository an import path is published to. */
  #target(importPath: string): { name: string; repo: Repository } {
    const o = this.#o;
    const name = o.namer(o.baseRepo, publishName(importPath));
    return { name, repo: imageRepository(name, o.insecure) };
  }

  /**
   * Pushes a result's content (and, alongside, `alsoBlobs`), then its manifest under every tag;
   * false when every tag had it already (nothing pushed).
   */
  async #pushTagged(
    repo: Repository,
    result: BuildResult,
    ahead: ReadonlySet<string>,
    report: Reporter,
    signal: AbortSignal | undefined,
    alsoBlobs: BlobTask | undefined,
  ): Promise<boolean> {
    const { client, tags } = this.#o;
    const present = await Promise.all(
      tags.map(async (tag) =>
        (await client.headManifest(repo, tag, signal))?.digest === result.digest
      ),
    );
    if (present.every(Boolean)) {
      for (const tag of tags) report.info(`existing manifest: ${tag}@${result.digest}`);
      return false;
    }
    await allOrNothing([
      (stop) => pushContent(client, repo, result, this.#o.jobs, report, stop, ahead),
      async (stop) => await alsoBlobs?.(stop),
    ], signal);
    await Promise.all(tags.map(async (tag, i) => {
      if (present[i]) return;
      await putManifest(client, repo, tag, result, report, signal);
    }));
    return true;
  }
}

/**
 * Pushes everything a result's top manifest refers to: blobs of every image, then child
 * manifests by digest (but those in `ahead`, pushed already). The top manifest itself is left
 * to the caller.
 */
async function pushContent(
  client: RegistryClient,
  repo: Repository,
  result: BuildResult,
  jobs: number,
  report: Reporter,
  signal?: AbortSignal,
  ahead: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (result.kind === "image") {
    await pushBlobs(client, repo, result, jobs, report, signal);
    return;
  }
  await Promise.all(result.children.map(async (child) => {
    if (ahead.has(child.descriptor.digest)) return;
    if (!child.image) {
      throw new KoError(`index child ${child.descriptor.digest} was not built; cannot push it`);
    }
    const forChild = report.forPlatform(imagePlatform(child.image));
    await pushChild(client, repo, child.image, jobs, forChild, signal);
  }));
}

/** Pushes more blobs alongside an image's own (its attachments'). */
type BlobTask = (signal: AbortSignal) => Promise<void>;

/**
 * Pushes a child image of an index: its blobs (and, alongside, `alsoBlobs`), then its manifest
 * by digest; false when the registry had it already.
 */
async function pushChild(
  client: RegistryClient,
  repo: Repository,
  img: Image,
  jobs: number,
  report: Reporter,
  signal?: AbortSignal,
  alsoBlobs?: BlobTask,
): Promise<boolean> {
  if ((await client.headManifest(repo, img.digest, signal))?.digest === img.digest) {
    report.info(`existing manifest: ${img.digest}`);
    return false;
  }
  await allOrNothing([
    (stop) => pushBlobs(client, repo, img, jobs, report, stop),
    async (stop) => await alsoBlobs?.(stop),
  ], signal);
  await putManifest(client, repo, img.digest, img, report, signal);
  return true;
}

/** The platform an image was built for (`linux/arm/v7`), from its config. */
function imagePlatform(img: Image): string {
  const c = img.config;
  return formatPlatform({
    os: c.os ?? "",
    architecture: c.architecture ?? "",
    ...(c.variant ? { variant: c.variant } : {}),
  });
}

async function pushBlobs(
  client: RegistryClient,
  repo: Repository,
  img: Image,
  jobs: number,
  report: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  const config = {
    digest: img.manifest.config.digest,
    size: img.configBytes.length,
    open: () => Promise.resolve(new Blob([img.configBytes as BlobPart]).stream()),
    likelyNew: true,
  };
  // The config of a new image, and the layer of a changed binary, are most likely new.
  const layers = dedupe(img.layers.map((l) => ({ layer: l, digest: l.digest })));
  // What most likely has to be sent goes first, largest first: the rest is mostly HEADs.
  const blobs = [config, ...layers.map((x) => x.layer)].sort((a, b) =>
    Number(b.likelyNew === true) - Number(a.likelyNew === true) || b.size - a.size
  );
  await mapConcurrent(blobs, jobs, async (blob) => {
    const source = "source" in blob ? blob.source : undefined;
    const mountFrom = source && source.registry === repo.registry &&
        source.repository !== repo.repository
      ? source.repository
      : undefined;
    await client.uploadBlob(
      repo,
      { digest: blob.digest, size: blob.size, open: () => blob.open() },
      {
        ...(mountFrom ? { mountFrom } : {}),
        ...(signal ? { signal } : {}),
        report,
        likelyNew: blob.likelyNew === true,
      },
    );
  });
}

/** An index without the images of the children in `ahead` (so nothing is done for them). */
function withoutChildren(result: BuildResult, ahead: ReadonlySet<string>): BuildResult {
  if (result.kind === "image" || ahead.size === 0) return result;
  return {
    ...result,
    children: result.children.map((c) =>
      ahead.has(c.descriptor.digest) ? { descriptor: c.descriptor } : c
    ),
  };
}

function dedupe<T extends { digest: Digest }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => !seen.has(x.digest) && seen.add(x.digest) !== undefined);
}

async function putManifest(
  client: RegistryClient,
  repo: Repository,
  reference: string,
  result: BuildResult,
  report: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  const digest = await client.putManifest(
    repo,
    reference,
    result.manifestBytes,
    result.mediaType,
    signal,
  );
  if (digest !== result.digest) {
    throw new KoError(
      `registry ${repo.registry} stored manifest ${reference} as ${digest}, expected ${result.digest}`,
    );
  }
  const sep = reference.includes(":") ? "@" : ":";
  report.info(
    `${repo.registry}/${repo.repository}${sep}${reference}: digest: ${result.digest} size: ${result.manifestBytes.length}`,
  );
}

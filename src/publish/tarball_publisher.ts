/**
 * `--tarball FILE`: collects images and writes one `docker load` tarball when publishing is
 * done (written to a temporary file and renamed, so a failure, an interrupt or a kill never
 * leaves half a tarball; what a killed run left is removed by the next one).
 */
import type { BuildEvent } from "../build/builder.ts";
import { type TarballImage, tarballStream } from "../image/tarball.ts";
import { checkWritableTarget, removeOrphanedWrites, writeFileAtomic } from "../util/atomic_file.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { imageRepository, type Namer } from "./naming.ts";
import { registryReference } from "./printed_reference.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";

/** Saves images into a docker-save tarball at close. */
export class TarballPublisher implements Publisher {
  readonly #images: { rank: number; image: TarballImage }[] = [];

  private constructor(
    private readonly path: string,
    private readonly baseRepo: string,
    private readonly namer: Namer,
    private readonly tags: readonly string[],
    private readonly tagOnly: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Checks the target is writable before anything is built, and removes the temporary files
   * that killed runs left next to it. `signal` (the run's) stops the write at close.
   */
  static async create(
    path: string,
    baseRepo: string,
    namer: Namer,
    tags: readonly string[],
    tagOnly: boolean,
    signal?: AbortSignal,
  ): Promise<TarballPublisher> {
    await checkWritableTarget(path, "--tarball");
    await removeOrphanedWrites(path);
    return new TarballPublisher(path, baseRepo, namer, tags, tagOnly, signal);
  }

  publish(event: BuildEvent, target: PublishTarget): Promise<string> {
    if (event.kind === "child") return Promise.resolve(""); // a tarball takes no index
    const { result } = event;
    const ip = publishName(target.importPath);
    if (result.kind !== "image") {
      return Promise.reject(
        new KoError(
          `failed to interpret ${ip} result as image: a tarball holds single images; pick one platform with --platform`,
        ),
      );
    }
    const name = this.namer(this.baseRepo, ip);
    try {
      imageRepository(name);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#images.push({
      rank: target.rank,
      image: { image: result, repoTags: this.tags.map((t) => `${name}:${t}`) },
    });
    target.report.phase("done");
    return Promise.resolve(registryReference(name, this.tags, result.digest, this.tagOnly));
  }

  async close(): Promise<void> {
    if (this.#images.length === 0) return;
    info(`Saving ${this.path}`);
    try {
      const images = this.#images.toSorted((a, b) => a.rank - b.rank).map((i) => i.image);
      await writeFileAtomic(this.path, tarballStream(images), 0o644, this.signal);
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw new KoError(`failed to save "${this.path}": ${errorMessage(e)}`, { cause: e });
    }
    info(`Saved ${this.path}`);
  }

  /** Nothing to undo: the tarball is only written by a successful close. */
  abort(): Promise<void> {
    return Promise.resolve();
  }
}

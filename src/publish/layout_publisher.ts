/**
 * `--oci-layout-path DIR`: writes results into an OCI image layout; prints `DIR@digest`. In a
 * signed run each image and index (every child too) gets its signature and attestations
 * written next to it as OCI 1.1 referrers.
 */
import type { BuildEvent } from "../build/builder.ts";
import type { BuildResult } from "../image/image.ts";
import { LayoutWriter } from "../image/layout.ts";
import { attestationReferrer, signatureReferrer } from "../sign/cosign_layers.ts";
import type { ImageSigning } from "../sign/image_signing.ts";
import { KO_SCHEME, withoutKoScheme } from "../util/ko_scheme.ts";
import { imageRepository, type Namer } from "./naming.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";

/** Writes images and indexes into a layout; index.json is updated at close. */
export class LayoutPublisher implements Publisher {
  private constructor(
    private readonly writer: LayoutWriter,
    private readonly baseRepo: string,
    private readonly namer: Namer,
    private readonly tags: readonly string[],
    private readonly signing?: ImageSigning,
  ) {}

  /** Opens (or creates) the layout before anything is built. */
  static async create(
    path: string,
    baseRepo: string,
    namer: Namer,
    tags: readonly string[],
    signing?: ImageSigning,
  ): Promise<LayoutPublisher> {
    return new LayoutPublisher(await LayoutWriter.open(path), baseRepo, namer, tags, signing);
  }

  async publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    if (event.kind === "child") return ""; // written with its index
    const { result } = event;
    const ip = publishName(target.importPath);
    const name = this.namer(this.baseRepo, ip);
    // Unnamed (--bare without KO_DOCKER_REPO): entries without ref.name, as ko writes them.
    if (name !== "") imageRepository(name);
    // As ko logs it: the qualified import path with its scheme, case kept.
    const saving = `${KO_SCHEME}${withoutKoScheme(target.importPath)}`;
    target.report.info(`Saving ${saving}`);
    const refNames = name === "" ? [] : this.tags.map((t) => `${name}:${t}`);
    await this.writer.write(result, refNames, target.rank, signal);
    if (this.signing) await this.#sign(this.signing, result, name || ip, target.rank);
    target.report.info(`Saved ${saving}`);
    target.report.phase("done");
    return `${this.writer.path}@${result.digest}`;
  }

  /** Writes the signature and attestations of a result and its children as referrers. */
  async #sign(
    signing: ImageSigning,
    result: BuildResult,
    identity: string,
    rank: number,
  ): Promise<void> {
    const subjects = result.kind === "index"
      ? [...result.children.flatMap((c) => c.image ? [c.image] : []), result]
      : [result];
    for (const subject of subjects) {
      const signed = await signing.sign(subject, identity);
      await this.writer.writeReferrer(signatureReferrer(signed.signature, signed.subject), rank);
      for (const a of signed.attestations) {
        await this.writer.writeReferrer(attestationReferrer(a, signed.subject), rank);
      }
    }
  }

  close(): Promise<void> {
    return this.writer.commit();
  }

  /** Removes a layout this run created, when the run fails. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

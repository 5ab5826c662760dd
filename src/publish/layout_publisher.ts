/** `--oci-layout-path DIR`: writes results into an OCI image layout; prints `DIR@digest`. */
import type { BuildEvent } from "../build/builder.ts";
import { LayoutWriter } from "../image/layout.ts";
import { imageRepository, type Namer } from "./naming.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";

/** Writes images and indexes into a layout; index.json is updated at close. */
export class LayoutPublisher implements Publisher {
  private constructor(
    private readonly writer: LayoutWriter,
    private readonly baseRepo: string,
    private readonly namer: Namer,
    private readonly tags: readonly string[],
  ) {}

  /** Opens (or creates) the layout before anything is built. */
  static async create(
    path: string,
    baseRepo: string,
    namer: Namer,
    tags: readonly string[],
  ): Promise<LayoutPublisher> {
    return new LayoutPublisher(await LayoutWriter.open(path), baseRepo, namer, tags);
  }

  async publish(event: BuildEvent, target: PublishTarget): Promise<string> {
    if (event.kind === "child") return ""; // written with its index
    const { result } = event;
    const ip = publishName(target.importPath);
    const name = this.namer(this.baseRepo, ip);
    // Unnamed (--bare without KO_DOCKER_REPO): entries without ref.name, as ko writes them.
    if (name !== "") imageRepository(name);
    target.report.info(`Saving ${ip}`);
    const refNames = name === "" ? [] : this.tags.map((t) => `${name}:${t}`);
    await this.writer.write(result, refNames, target.rank);
    target.report.info(`Saved ${ip}`);
    target.report.phase("done");
    return `${this.writer.path}@${result.digest}`;
  }

  close(): Promise<void> {
    return this.writer.commit();
  }

  /** Removes a layout this run created, when the run fails. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

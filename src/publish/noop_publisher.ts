/** The publisher for `--push=false` with no other output: computes the reference, no I/O. */
import type { BuildEvent } from "../build/builder.ts";
import { KoError } from "../util/errors.ts";
import { imageRepository, type Namer } from "./naming.ts";
import { noopReference } from "./printed_reference.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";

/** Returns `name:firsttag@digest` without pushing anything. */
export class NoopPublisher implements Publisher {
  constructor(
    private readonly baseRepo: string,
    private readonly namer: Namer,
    private readonly tags: readonly string[],
    private readonly tagOnly: boolean,
  ) {
    if (tagOnly && tags.length === 0) throw new KoError("must specify tag if requesting tag only");
  }

  publish(event: BuildEvent, target: PublishTarget): Promise<string> {
    if (event.kind === "child") return Promise.resolve("");
    // Lowercased like every other publisher (ko's no-op one does not, so a mixed-case import
    // path fails there: ggcr#212), so `--push=false` names what a push would name.
    const name = this.namer(this.baseRepo, publishName(target.importPath));
    try {
      imageRepository(name);
    } catch (e) {
      return Promise.reject(e);
    }
    target.report.phase("done");
    return Promise.resolve(noopReference(name, this.tags, event.result.digest, this.tagOnly));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return Promise.resolve();
  }
}

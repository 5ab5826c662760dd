/** Runs several publishers in order for each result; the last one's reference is printed. */
import type { BuildEvent } from "../build/builder.ts";
import { KoError } from "../util/errors.ts";
import { abortAll, type Publisher, type PublishTarget } from "./publisher.ts";

/** Fans a result out to publishers sequentially (layout, tarball, registry, as ko orders them). */
export class MultiPublisher implements Publisher {
  readonly #publishers: readonly Publisher[];

  constructor(publishers: readonly Publisher[]) {
    if (publishers.length === 0) throw new KoError("no publishers configured");
    this.#publishers = publishers;
  }

  async publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    let ref = "";
    for (const p of this.#publishers) ref = await p.publish(event, target, signal);
    return ref;
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const p of this.#publishers) {
      try {
        await p.close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }

  abort(): Promise<void> {
    return abortAll(this.#publishers);
  }
}

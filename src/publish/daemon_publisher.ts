/**
 * `ko.local` / `--local`: loads images into a Docker Engine API daemon (Docker, or podman's
 * Docker-compatible service) as `<name>:<manifest digest hex>`, then adds every `--tags` tag
 * (ko-behaviour 8.4). An image the daemon already has (same image ID) is only tagged, not
 * loaded again. An index result loads one platform (see local_platform.ts).
 */
import type { BuildEvent } from "../build/builder.ts";
import type { Image } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import type { DockerClient } from "../docker/docker_client.ts";
import { daemonPlatform, inspectImage, loadImage, tagImage } from "../docker/docker_images.ts";
import { type LocalPublisherOptions, type LocalStore, publishToLocalStore } from "./local_load.ts";
import { hostLinuxPlatform, platformFromGoEnv, type WantedPlatform } from "./local_platform.ts";
import type { Publisher, PublishTarget } from "./publisher.ts";

/** What the daemon publisher needs. */
interface DaemonPublisherOptions extends LocalPublisherOptions {
  readonly client: DockerClient;
}

/** Publishes into the local daemon. */
export class DaemonPublisher implements Publisher {
  #wanted: Promise<WantedPlatform> | undefined;
  readonly #store: LocalStore;

  constructor(private readonly o: DaemonPublisherOptions) {
    this.#store = {
      wantedPlatform: (signal) => this.#wantedPlatform(signal),
      load: (img, digestTag, signal) => this.#write(img, digestTag, signal),
      tag: (digestTag, tag, signal) => tagImage(o.client, digestTag, tag, signal),
    };
  }

  publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    if (event.kind === "child") return Promise.resolve(""); // the index's is loaded
    return publishToLocalStore(
      this.o,
      this.#store,
      event.result,
      target.importPath,
      target.report,
      signal,
    );
  }

  /** Loads the image under `digestTag`, or only tags it when the daemon already has it. */
  async #write(img: Image, digestTag: string, signal?: AbortSignal): Promise<void> {
    const id = img.manifest.config.digest;
    const existing = await inspectImage(this.o.client, id, signal);
    if (existing && existing.Id === id) {
      if (existing.RepoTags.includes(digestTag)) return;
      await tagImage(this.o.client, id, digestTag, signal);
      return;
    }
    await loadImage(
      this.o.client,
      tarballStream([{ image: img, repoTags: [digestTag] }]),
      signal,
    );
  }

  #wantedPlatform(signal?: AbortSignal): Promise<WantedPlatform> {
    const fromEnv = platformFromGoEnv(this.o.env);
    if (fromEnv) return Promise.resolve(fromEnv);
    return this.#wanted ??= daemonPlatform(this.o.client, signal).then(
      (platform) => ({ platform, reason: "the Docker daemon's platform" }),
      () => ({ platform: hostLinuxPlatform(), reason: "this machine's CPU" }),
    );
  }

  close(): Promise<void> {
    this.o.client.close();
    return Promise.resolve();
  }

  abort(): Promise<void> {
    this.o.client.close();
    return Promise.resolve();
  }
}

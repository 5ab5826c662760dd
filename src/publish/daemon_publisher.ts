/**
 * `ko.local` / `--local`: loads images into a Docker Engine API daemon (Docker, or podman's
 * Docker-compatible service) as `<name>:<manifest digest hex>`, then adds every `--tags` tag
 * (ko-behaviour 8.4). An image the daemon already has (same image ID) is only tagged, not
 * loaded again. An index result loads one platform (see local_platform.ts).
 */
import { digestHex } from "../oci/digest.ts";
import type { BuildResult, Image } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import type { DockerClient } from "../docker/docker_client.ts";
import { daemonPlatform, inspectImage, loadImage, tagImage } from "../docker/docker_images.ts";
import { info } from "../util/log.ts";
import {
  hostLinuxPlatform,
  loadableImage,
  platformFromGoEnv,
  type WantedPlatform,
} from "./local_platform.ts";
import type { Namer } from "./naming.ts";
import { type Publisher, publishName } from "./publisher.ts";

/** What the daemon publisher needs. */
export interface DaemonPublisherOptions {
  readonly client: DockerClient;
  /** The repository images are named under (`ko.local`, or `KO_DOCKER_REPO` with `--local`). */
  readonly baseRepo: string;
  readonly namer: Namer;
  readonly tags: readonly string[];
  /** GOOS/GOARCH/GOARM, for choosing an index child. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Publishes into the local daemon. */
export class DaemonPublisher implements Publisher {
  #wanted: Promise<WantedPlatform> | undefined;

  constructor(private readonly o: DaemonPublisherOptions) {}

  async publish(result: BuildResult, importPath: string, signal?: AbortSignal): Promise<string> {
    const ip = publishName(importPath);
    const img = await loadableImage(result, ip, () => this.#wantedPlatform(signal));
    const name = this.o.namer(this.o.baseRepo, ip);
    const digestTag = `${name}:${digestHex(img.digest)}`;
    info(`Loading ${digestTag}`);
    await this.#write(img, digestTag, signal);
    info(`Loaded ${digestTag}`);
    for (const tag of this.o.tags) {
      info(`Adding tag ${tag}`);
      await tagImage(this.o.client, digestTag, `${name}:${tag}`, signal);
      info(`Added tag ${tag}`);
    }
    return digestTag;
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

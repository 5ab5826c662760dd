/**
 * `ko.local` / `--local`: the Docker Engine API daemon (Docker, or podman's Docker-compatible
 * service) as a local store: images are loaded as `<name>:<manifest digest hex>`, then every
 * `--tags` tag is added (ko-behaviour 8.4). An image the daemon already has (same image ID) is
 * only tagged, not loaded again. An index result loads one platform (see local_platform.ts).
 */
import type { Image } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import type { DockerClient } from "../docker/docker_client.ts";
import { daemonPlatform, inspectImage, loadImage, tagImage } from "../docker/docker_images.ts";
import type { LocalStore } from "./local_load.ts";
import { hostLinuxPlatform, platformFromGoEnv, type WantedPlatform } from "./local_platform.ts";

/** The daemon `client` talks to, as a local store; `env` may name the platform to load. */
export class DaemonStore implements LocalStore {
  #wanted: Promise<WantedPlatform> | undefined;

  constructor(
    private readonly client: DockerClient,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  wantedPlatform(signal?: AbortSignal): Promise<WantedPlatform> {
    const fromEnv = platformFromGoEnv(this.env);
    if (fromEnv) return Promise.resolve(fromEnv);
    return this.#wanted ??= daemonPlatform(this.client, signal).then(
      (platform) => ({ platform, reason: "the Docker daemon's platform" }),
      () => ({ platform: hostLinuxPlatform(), reason: "this machine's CPU" }),
    );
  }

  /** Loads the image under `digestTag`, or only tags it when the daemon already has it. */
  async load(img: Image, digestTag: string, signal?: AbortSignal): Promise<void> {
    const id = img.manifest.config.digest;
    const existing = await inspectImage(this.client, id, signal);
    if (existing && existing.Id === id) {
      if (existing.RepoTags.includes(digestTag)) return;
      await tagImage(this.client, id, digestTag, signal);
      return;
    }
    await loadImage(this.client, tarballStream([{ image: img, repoTags: [digestTag] }]), signal);
  }

  tag(digestTag: string, tag: string, signal?: AbortSignal): Promise<void> {
    return tagImage(this.client, digestTag, tag, signal);
  }

  close(): void {
    this.client.close();
  }
}

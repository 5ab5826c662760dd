/**
 * `kind.local…`: side-loads images into every node of a kind cluster (ko-behaviour 8.5). For
 * each node in turn, the image is streamed as a `docker save` tarball into
 * `ctr --namespace=k8s.io images import --all-platforms -` under `<name>:<digest hex>`; then
 * every `--tags` tag is added with `ctr … images tag --force` on each node. The cluster is
 * `KIND_CLUSTER_NAME` (default `kind`). An index result loads one platform (local_platform.ts).
 */
import { digestHex } from "../oci/digest.ts";
import type { BuildResult } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import { KindProvider, oneLine } from "../docker/kind_nodes.ts";
import { KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { hostLinuxPlatform, loadableImage, platformFromGoEnv } from "./local_platform.ts";
import type { Namer } from "./naming.ts";
import { type Publisher, publishName } from "./publisher.ts";

/** The containerd namespace Kubernetes' images live in. */
const CTR = ["ctr", "--namespace=k8s.io", "images"];

/** What the kind publisher needs. */
export interface KindPublisherOptions {
  readonly provider: KindProvider;
  readonly cluster: string;
  /** `KO_DOCKER_REPO` (`kind.local…`). */
  readonly baseRepo: string;
  readonly namer: Namer;
  readonly tags: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Publishes into kind's nodes. */
export class KindPublisher implements Publisher {
  #nodes: Promise<string[]> | undefined;

  constructor(private readonly o: KindPublisherOptions) {}

  /** The publisher for the environment (`KIND_CLUSTER_NAME`, `KIND_EXPERIMENTAL_PROVIDER`). */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    baseRepo: string,
    namer: Namer,
    tags: readonly string[],
  ): KindPublisher {
    return new KindPublisher({
      provider: KindProvider.fromEnv(env),
      cluster: KindProvider.clusterName(env),
      baseRepo,
      namer,
      tags,
      env,
    });
  }

  async publish(result: BuildResult, importPath: string, signal?: AbortSignal): Promise<string> {
    const ip = publishName(importPath);
    const img = await loadableImage(result, ip, () =>
      Promise.resolve(
        platformFromGoEnv(this.o.env) ??
          { platform: hostLinuxPlatform(), reason: "this machine's CPU" },
      ));
    const nodes = await this.#nodeList(signal);
    const name = this.o.namer(this.o.baseRepo, ip);
    const digestTag = `${name}:${digestHex(img.digest)}`;
    info(`Loading ${digestTag}`);
    for (const node of nodes) {
      const r = await this.o.provider.exec(
        node,
        [...CTR, "import", "--all-platforms", "-"],
        { stdin: tarballStream([{ image: img, repoTags: [digestTag] }]), ...opt(signal) },
      );
      if (r.code !== 0) {
        throw new KoError(
          `failed to load image to node ${JSON.stringify(node)}: ctr exited with code ${r.code}: ` +
            oneLine(r.output),
        );
      }
    }
    info(`Loaded ${digestTag}`);
    for (const tag of this.o.tags) {
      info(`Adding tag ${tag}`);
      for (const node of nodes) {
        const r = await this.o.provider.exec(
          node,
          [...CTR, "tag", "--force", digestTag, `${name}:${tag}`],
          opt(signal),
        );
        if (r.code !== 0) {
          throw new KoError(
            `failed to tag image on node ${
              JSON.stringify(node)
            }: ctr exited with code ${r.code}: ` +
              oneLine(r.output),
          );
        }
      }
      info(`Added tag ${tag}`);
    }
    return digestTag;
  }

  #nodeList(signal?: AbortSignal): Promise<string[]> {
    if (!this.#nodes) {
      const p = this.o.provider.internalNodes(this.o.cluster, signal);
      p.catch(() => this.#nodes = undefined);
      this.#nodes = p;
    }
    return this.#nodes;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function opt(signal?: AbortSignal): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

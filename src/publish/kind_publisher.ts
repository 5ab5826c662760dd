/**
 * `kind.local…`: side-loads images into every node of a kind cluster (ko-behaviour 8.5). For
 * each node in turn, the image is streamed as a `docker save` tarball into
 * `ctr --namespace=k8s.io images import --all-platforms -` under `<name>:<digest hex>`; then
 * every `--tags` tag is added with `ctr … images tag --force` on each node. The cluster is
 * `KIND_CLUSTER_NAME` (default `kind`). An index result loads one platform (local_platform.ts).
 */
import type { Image } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import { KindProvider, oneLine } from "../docker/kind_nodes.ts";
import { KoError } from "../util/errors.ts";
import { type LocalPublisherOptions, type LocalStore, publishToLocalStore } from "./local_load.ts";
import { hostLinuxPlatform, platformFromGoEnv } from "./local_platform.ts";
import type { Namer } from "./naming.ts";
import type { Publisher, PublishTarget } from "./publisher.ts";
import type { BuildEvent } from "../build/builder.ts";

/** The containerd namespace Kubernetes' images live in. */
const CTR = ["ctr", "--namespace=k8s.io", "images"];

/** What the kind publisher needs. */
interface KindPublisherOptions extends LocalPublisherOptions {
  readonly provider: KindProvider;
  readonly cluster: string;
}

/** Publishes into kind's nodes. */
export class KindPublisher implements Publisher {
  #nodes: Promise<string[]> | undefined;
  readonly #store: LocalStore;

  constructor(private readonly o: KindPublisherOptions) {
    this.#store = {
      wantedPlatform: () =>
        Promise.resolve(
          platformFromGoEnv(o.env) ??
            { platform: hostLinuxPlatform(), reason: "this machine's CPU" },
        ),
      prepare: async (signal) => void await this.#nodeList(signal),
      load: (img, digestTag, signal) => this.#import(img, digestTag, signal),
      tag: (digestTag, tag, signal) =>
        this.#onEachNode([...CTR, "tag", "--force", digestTag, tag], "tag image on", signal),
    };
  }

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

  /** Streams the image into each node's containerd (a fresh tarball stream per node). */
  #import(img: Image, digestTag: string, signal?: AbortSignal): Promise<void> {
    return this.#onEachNode(
      [...CTR, "import", "--all-platforms", "-"],
      "load image to",
      signal,
      () => tarballStream([{ image: img, repoTags: [digestTag] }]),
    );
  }

  /** Runs a ctr command on every node in turn; the first failure is `failed to <what> node …`. */
  async #onEachNode(
    args: readonly string[],
    what: string,
    signal?: AbortSignal,
    stdin?: () => ReadableStream<Uint8Array>,
  ): Promise<void> {
    for (const node of await this.#nodeList(signal)) {
      const r = await this.o.provider.exec(node, args, {
        ...(stdin ? { stdin: stdin() } : {}),
        ...(signal ? { signal } : {}),
      });
      if (r.code !== 0) {
        throw new KoError(
          `failed to ${what} node ${JSON.stringify(node)}: ctr exited with code ${r.code}: ` +
            oneLine(r.output),
        );
      }
    }
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

  /** Nothing to undo: images loaded into the nodes stay, as with ko. */
  abort(): Promise<void> {
    return Promise.resolve();
  }
}

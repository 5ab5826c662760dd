/**
 * `kind.local…`: the nodes of a kind cluster as a local store (ko-behaviour 8.5). For each
 * node in turn, the image is streamed as a `docker save` tarball into
 * `ctr --namespace=k8s.io images import --all-platforms -` under `<name>:<digest hex>`; then
 * every `--tags` tag is added with `ctr … images tag --force` on each node. The cluster is
 * `KIND_CLUSTER_NAME` (default `kind`). An index result loads one platform (local_platform.ts).
 */
import type { Image } from "../image/image.ts";
import { tarballStream } from "../image/tarball.ts";
import { KindProvider, oneLine } from "../docker/kind_nodes.ts";
import { KoError } from "../util/errors.ts";
import type { LocalStore } from "./local_load.ts";
import { hostLinuxPlatform, platformFromGoEnv, type WantedPlatform } from "./local_platform.ts";

/** The containerd namespace Kubernetes' images live in. */
const CTR = ["ctr", "--namespace=k8s.io", "images"];

/** The nodes of a kind cluster, as a local store. */
export class KindStore implements LocalStore {
  #nodes: Promise<string[]> | undefined;

  constructor(
    private readonly provider: KindProvider,
    private readonly cluster: string,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  /** The cluster the environment names (`KIND_CLUSTER_NAME`, `KIND_EXPERIMENTAL_PROVIDER`). */
  static fromEnv(env: Readonly<Record<string, string | undefined>>): KindStore {
    return new KindStore(KindProvider.fromEnv(env), KindProvider.clusterName(env), env);
  }

  wantedPlatform(): Promise<WantedPlatform> {
    return Promise.resolve(
      platformFromGoEnv(this.env) ??
        { platform: hostLinuxPlatform(), reason: "this machine's CPU" },
    );
  }

  async prepare(signal?: AbortSignal): Promise<void> {
    await this.#nodeList(signal);
  }

  /** Streams the image into each node's containerd (a fresh tarball stream per node). */
  load(img: Image, digestTag: string, signal?: AbortSignal): Promise<void> {
    return this.#onEachNode(
      [...CTR, "import", "--all-platforms", "-"],
      "load image to",
      signal,
      () => tarballStream([{ image: img, repoTags: [digestTag] }]),
    );
  }

  tag(digestTag: string, tag: string, signal?: AbortSignal): Promise<void> {
    return this.#onEachNode([...CTR, "tag", "--force", digestTag, tag], "tag image on", signal);
  }

  /** Runs a ctr command on every node in turn; the first failure is `failed to <what> node …`. */
  async #onEachNode(
    args: readonly string[],
    what: string,
    signal?: AbortSignal,
    stdin?: () => ReadableStream<Uint8Array>,
  ): Promise<void> {
    for (const node of await this.#nodeList(signal)) {
      const r = await this.provider.exec(node, args, {
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
      const p = this.provider.internalNodes(this.cluster, signal);
      p.catch(() => this.#nodes = undefined);
      this.#nodes = p;
    }
    return this.#nodes;
  }
}

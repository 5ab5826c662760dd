/**
 * The ko.local and kind.local publishers, and the `ko.local` base reader: the ko.local
 * publisher over the Docker Engine API client of the environment (`DOCKER_HOST`…), the
 * kind.local publisher over kind's node provider (`KIND_CLUSTER_NAME`…). Their modules load
 * only when used, so a registry build does not pay for them at start-up.
 */
import type { Reference } from "../oci/reference.ts";
import type { Image } from "../image/image.ts";
import type { Env } from "../util/command.ts";
import type { Namer } from "./naming.ts";
import type { Publisher } from "./publisher.ts";

/** The ko.local publisher for a repository, namer and tags, on the daemon `env` names. */
export async function daemonPublisher(
  env: Env,
  repo: string,
  namer: Namer,
  tags: readonly string[],
): Promise<Publisher> {
  const [{ DockerClient }, { DaemonStore }, { LocalStorePublisher }] = await Promise.all([
    import("../docker/docker_client.ts"),
    import("./daemon_store.ts"),
    import("./local_load.ts"),
  ]);
  return new LocalStorePublisher(
    { baseRepo: repo, namer, tags: [...new Set(tags)], env },
    new DaemonStore(DockerClient.fromEnv(env), env),
  );
}

/** The kind.local publisher for a repository, namer and tags, on the cluster `env` names. */
export async function kindPublisher(
  env: Env,
  repo: string,
  namer: Namer,
  tags: readonly string[],
): Promise<Publisher> {
  const [{ KindStore }, { LocalStorePublisher }] = await Promise.all([
    import("./kind_store.ts"),
    import("./local_load.ts"),
  ]);
  return new LocalStorePublisher(
    { baseRepo: repo, namer, tags: [...new Set(tags)], env },
    KindStore.fromEnv(env),
  );
}

/**
 * Reads `ko.local/…` base images from the daemon the environment points at; the Docker client
 * loads on the first read.
 */
export function lazyDaemonBaseReader(
  env: Env,
): (ref: Reference, signal?: AbortSignal) => Promise<Image> {
  return async (ref, signal) => {
    const { daemonBaseReader } = await import("../docker/daemon_image.ts");
    return await daemonBaseReader(env)(ref, signal);
  };
}

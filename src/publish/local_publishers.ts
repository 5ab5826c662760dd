/**
 * The `daemon` and `kind` hooks of makePublisher: the ko.local publisher over the Docker
 * Engine API client of the environment (`DOCKER_HOST`…), and the kind.local publisher over
 * kind's node provider (`KIND_CLUSTER_NAME`…).
 */
import { DockerClient } from "../docker/docker_client.ts";
import { DaemonPublisher } from "./daemon_publisher.ts";
import { KindPublisher } from "./kind_publisher.ts";
import type { LocalPublisherFactory } from "./make_publisher.ts";

/** The hooks for an environment (the verb's, so tests can point at their own daemon). */
export function localPublisherHooks(
  env: Readonly<Record<string, string | undefined>>,
): { daemon: LocalPublisherFactory; kind: LocalPublisherFactory } {
  return {
    daemon: (repo, namer, tags) =>
      Promise.resolve(
        new DaemonPublisher({
          client: DockerClient.fromEnv(env),
          baseRepo: repo,
          namer,
          tags: [...new Set(tags)],
          env,
        }),
      ),
    kind: (repo, namer, tags) =>
      Promise.resolve(KindPublisher.fromEnv(env, repo, namer, [...new Set(tags)])),
  };
}

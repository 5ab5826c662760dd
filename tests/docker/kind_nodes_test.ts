import { equal, throws } from "node:assert/strict";
import { KindProvider, oneLine } from "../../src/docker/kind_nodes.ts";

Deno.test("KindProvider takes kind's provider and cluster from the environment", () => {
  equal(KindProvider.clusterName({}), "kind");
  equal(KindProvider.clusterName({ KIND_CLUSTER_NAME: "dev" }), "dev");
  equal(KindProvider.fromEnv({ PATH: Deno.env.get("PATH") }).cli, "docker");
  throws(
    () => KindProvider.fromEnv({ KIND_EXPERIMENTAL_PROVIDER: "lxc" }),
    /unknown KIND_EXPERIMENTAL_PROVIDER "lxc": expected docker, podman or nerdctl/,
  );
  throws(
    () => KindProvider.fromEnv({ KIND_EXPERIMENTAL_PROVIDER: "nerdctl", PATH: "/nonexistent" }),
    /kind\.local needs the nerdctl CLI to reach kind's nodes, but nerdctl is not on PATH/,
  );
});

Deno.test("oneLine squeezes command output for a one-line error", () => {
  equal(oneLine("ctr: failed\n  to import\n\n"), "ctr: failed; to import");
  equal(oneLine("x".repeat(600)).length, 501);
});

/**
 * `KO_DOCKER_REPO=kind.local` end to end. Real: Go builds, the registry bases, the Docker
 * Engine and docker CLI, and containerd + ctr inside the node containers, which import and tag
 * what ko streams. Not real: the nodes are stand-ins made by tests/helpers/kind_node.ts (kind
 * cannot run here), and a `docker` shim drops `--privileged` from `docker exec` because this
 * sandbox refuses privileged processes; the shim's log shows ko asked for it. The imported
 * image is exported back out of containerd, loaded into Docker and run.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { run, tempDir } from "../helpers/tools.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { requires } from "../helpers/requires.ts";
import {
  buildNodeImage,
  kindNodeUnavailableReason,
  nodeImages,
  startKindNode,
  writeDockerShim,
} from "../helpers/kind_node.ts";
import { ko } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { md5Hex } from "../../src/publish/naming.ts";

const APP = "example.com/kindapp/cmd/hello";
const APP_NAME = `hello-${md5Hex(APP)}`;

Deno.test({
  ...requires(
    "kind.local imports into every node's containerd and tags there",
    dockerUnavailableReason(),
    kindNodeUnavailableReason(),
  ),
}, async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using docker = await startDockerEngine();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/kindapp",
    files: {
      "cmd/hello/main.go": PRINT_KODATA_MAIN,
      "cmd/hello/kodata/hello.txt": "Hello from kind\n",
    },
  });
  await buildNodeImage(docker, tmp.path);
  for (const [name, role] of [["c1-control-plane", "control-plane"], ["c1-worker", "worker"]]) {
    await startKindNode(docker, { cluster: "c1", name: name!, role: role! });
  }
  await startKindNode(docker, { cluster: "c1", name: "c1-lb", role: "external-load-balancer" });
  const shim = await writeDockerShim(join(tmp.path, "shim"));
  const env = (extra: Record<string, string> = {}) => ({
    ...docker.env,
    PATH: `${join(tmp.path, "shim")}:${Deno.env.get("PATH")}`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    KO_DOCKER_REPO: "kind.local",
    KIND_CLUSTER_NAME: "c1",
    ...extra,
  });

  let ref = "";
  await t.step("loads into each internal node and tags every --tags entry", async () => {
    const r = await ko(["build", "-t", "latest,v1", "./cmd/hello"], { cwd: src, env: env() });
    equal(r.code, 0, r.stderr);
    ref = r.stdout.trim();
    match(ref, new RegExp(`^kind\\.local/${APP_NAME}:[0-9a-f]{64}$`));
    const want = [ref, `kind.local/${APP_NAME}:latest`, `kind.local/${APP_NAME}:v1`].sort();
    deepEqual(await nodeImages(docker, "c1-control-plane"), want);
    deepEqual(await nodeImages(docker, "c1-worker"), want);
    deepEqual(await nodeImages(docker, "c1-lb"), [], "the load balancer is not a node");
    for (const line of [`Loading ${ref}`, `Loaded ${ref}`, "Adding tag v1", "Added tag v1"]) {
      ok(r.stderr.includes(line), `missing ${line}:\n${r.stderr}`);
    }
  });

  await t.step("ko runs ctr through docker exec --privileged -i, as kind does", async () => {
    const log = (await Deno.readTextFile(shim.log)).split("\n");
    const imports = log.filter((l) => l.includes("images import"));
    deepEqual(imports.sort(), [
      "exec --privileged -i c1-control-plane ctr --namespace=k8s.io images import --all-platforms -",
      "exec --privileged -i c1-worker ctr --namespace=k8s.io images import --all-platforms -",
    ]);
    ok(
      log.includes(
        `exec --privileged c1-worker ctr --namespace=k8s.io images tag --force ${ref} kind.local/${APP_NAME}:v1`,
      ),
      log.join("\n"),
    );
  });

  await t.step("what containerd imported runs", async () => {
    const exported = join(tmp.path, "exported.tar");
    const out = await run("sh", [
      "-c",
      `docker exec c1-worker ctr --namespace=k8s.io images export - "$1" > "$2"`,
      "sh",
      `kind.local/${APP_NAME}:v1`,
      exported,
    ], { env: docker.env });
    equal(out.code, 0, out.stderr);
    const loaded = await docker.docker(["load", "-i", exported]);
    equal(loaded.code, 0, loaded.stderr);
    const ran = await docker.docker([
      "run",
      "--rm",
      "--network",
      "none",
      `kind.local/${APP_NAME}:v1`,
    ]);
    equal(ran.code, 0, ran.stderr);
    equal(ran.stdout, "Hello from kind\n");
  });

  await t.step("a cluster without nodes is ko's error", async () => {
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({ KIND_CLUSTER_NAME: "absent" }),
    });
    equal(r.code, 1);
    match(r.stderr, /no nodes found for cluster "absent"/);
  });

  await t.step("a node where ctr cannot run fails with the node's output", async () => {
    const created = await docker.docker([
      "create",
      "--label",
      "io.x-k8s.kind.cluster=broken",
      "--label",
      "io.x-k8s.kind.role=control-plane",
      "--name",
      "broken-control-plane",
      "ko-test/fake-kind-node:containerd",
    ]);
    equal(created.code, 0, created.stderr);
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({ KIND_CLUSTER_NAME: "broken" }),
    });
    equal(r.code, 1);
    match(
      r.stderr,
      /failed to load image to node "broken-control-plane": ctr exited with code 1: .*is not running/,
    );
  });
});

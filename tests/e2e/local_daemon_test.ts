/**
 * `ko.local` / `--local` end to end against real daemons: a private Docker Engine
 * (tests/helpers/docker_engine.ts) and podman's Docker-compatible service
 * (tests/helpers/podman_service.ts). Bases come from a real registry; the loaded images are run
 * with `docker run` / `podman run` and print their kodata file.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoInspect, tempDir } from "../helpers/tools.ts";
import {
  type DockerDaemon,
  dockerUnavailableReason,
  startDockerEngine,
} from "../helpers/docker_engine.ts";
import { podmanUnavailableReason, startPodmanService } from "../helpers/podman_service.ts";
import { ko, koOk } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { requires } from "../helpers/requires.ts";
import { md5Hex } from "../../src/publish/naming.ts";

const APP = "example.com/local/cmd/hello";
const APP_NAME = `hello-${md5Hex(APP)}`;

async function writeApp(dir: string): Promise<string> {
  return await writeGoApp(dir, {
    module: "example.com/local",
    files: {
      "cmd/hello/main.go": PRINT_KODATA_MAIN,
      "cmd/hello/kodata/hello.txt": "Hello from the daemon\n",
    },
  });
}

async function runImage(daemon: DockerDaemon, ref: string): Promise<string> {
  const r = await daemon.docker(["run", "--rm", "--network", "none", ref]);
  equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function repoTags(daemon: DockerDaemon, ref: string): Promise<string[]> {
  const r = await daemon.docker(["image", "inspect", "--format", "{{json .RepoTags}}", ref]);
  equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as string[]).sort();
}

Deno.test({
  ...requires("ko.local loads runnable images into Docker Engine", dockerUnavailableReason()),
}, async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using docker = await startDockerEngine();
  const bases = await pushFixtureBases(registry);
  const src = await writeApp(join(tmp.path, "src"));
  const env = (extra: Record<string, string> = {}) => ({
    ...docker.env,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    ...extra,
  });

  let loaded = "";
  await t.step("KO_DOCKER_REPO=ko.local prints name:<digest hex> and the image runs", async () => {
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: "ko.local" }),
    });
    equal(r.code, 0, r.stderr);
    loaded = r.stdout.trim();
    match(loaded, new RegExp(`^ko\\.local/${APP_NAME}:[0-9a-f]{64}$`));
    equal(await runImage(docker, loaded), "Hello from the daemon\n");
    deepEqual(await repoTags(docker, loaded), [loaded, `ko.local/${APP_NAME}:latest`].sort());
    const hex = loaded.split(":").at(-1)!;
    for (
      const line of [
        `Loading ${loaded}`,
        `Loaded ${loaded}`,
        "Adding tag latest",
        "Added tag latest",
      ]
    ) ok(r.stderr.includes(line), `missing log line ${line}:\n${r.stderr}`);
    ok(r.stderr.indexOf(`Loaded ${loaded}`) > r.stderr.indexOf(`Loading ${loaded}`));
    ok(hex.length === 64);
  });

  await t.step("a second build only tags the image the daemon already has", async () => {
    const since = (Date.now() / 1000).toFixed(3);
    const r = await ko(["build", "-t", "v1,v2", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: "ko.local" }),
    });
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), loaded);
    deepEqual(
      await repoTags(docker, loaded),
      [loaded, `ko.local/${APP_NAME}:latest`, `ko.local/${APP_NAME}:v1`, `ko.local/${APP_NAME}:v2`]
        .sort(),
    );
    const until = (Date.now() / 1000 + 0.5).toFixed(3);
    const events = await docker.docker([
      "events",
      "--since",
      since,
      "--until",
      until,
      "--filter",
      "type=image",
      "--format",
      "{{.Action}}",
    ]);
    const actions = events.stdout.split("\n").filter((l) => l !== "");
    ok(!actions.includes("load"), `the image was loaded again: ${actions.join(", ")}`);
    ok(actions.filter((a) => a === "tag").length >= 2, actions.join(", "));
  });

  await t.step("-L with a registry KO_DOCKER_REPO loads under that name", async () => {
    const repo = `${registry.host}/team`;
    const [line] = await koOk(["build", "-L", "-B", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: repo }),
    });
    match(line!, new RegExp(`^${repo.replaceAll(".", "\\.")}/hello:[0-9a-f]{64}$`));
    equal(await runImage(docker, `${repo}/hello:latest`), "Hello from the daemon\n");
  });

  await t.step("--local without KO_DOCKER_REPO uses ko.local", async () => {
    const [line] = await koOk(["build", "--local", "--bare", "-t", "dev", "./cmd/hello"], {
      cwd: src,
      env: env(),
    });
    match(line!, /^ko\.local:[0-9a-f]{64}$/);
    equal(await runImage(docker, "ko.local:dev"), "Hello from the daemon\n");
  });

  await t.step("a multi-platform build loads the daemon's platform and says so", async () => {
    const r = await ko(["build", "--platform=linux/arm64,linux/amd64", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: "ko.local", KO_DEFAULTBASEIMAGE: bases.ociIndex.ref }),
    });
    equal(r.code, 0, r.stderr);
    match(
      r.stderr,
      /Loading only linux\/amd64 of example\.com\/local\/cmd\/hello \(built: linux\/amd64, linux\/arm64\), chosen by the Docker daemon's platform/,
    );
    const ref = r.stdout.trim();
    equal(await runImage(docker, ref), "Hello from the daemon\n");
    const arch = await docker.docker(["image", "inspect", "--format", "{{.Architecture}}", ref]);
    equal(arch.stdout.trim(), "amd64");
  });

  await t.step("GOOS/GOARCH pick the platform that is built and loaded", async () => {
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({
        KO_DOCKER_REPO: "ko.local",
        KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
        GOOS: "linux",
        GOARCH: "arm64",
      }),
    });
    equal(r.code, 0, r.stderr);
    const ref = r.stdout.trim();
    match(ref, new RegExp(`^ko\\.local/${APP_NAME}:[0-9a-f]{64}$`));
    const arch = await docker.docker(["image", "inspect", "--format", "{{.Architecture}}", ref]);
    equal(arch.stdout.trim(), "arm64");
  });

  await t.step("a ko.local base is read from the daemon and pushed with the app", async () => {
    const pulled = await docker.docker(["pull", bases.dockerImage.ref]);
    equal(pulled.code, 0, pulled.stderr);
    equal((await docker.docker(["tag", bases.dockerImage.ref, "ko.local/base:v1"])).code, 0);
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({
        KO_DOCKER_REPO: `${registry.host}/fromdaemon`,
        KO_DEFAULTBASEIMAGE: "ko.local/base:v1",
      }),
    });
    equal(r.code, 0, r.stderr);
    const ref = r.stdout.trim();
    match(ref, new RegExp(`^${registry.host}/fromdaemon/${APP_NAME}@sha256:`));
    const raw = await skopeoInspect(ref, { raw: true });
    equal(
      (raw.annotations as Record<string, string>)["org.opencontainers.image.base.name"],
      "ko.local/base:v1",
    );
    const config = await skopeoInspect(ref, { config: true });
    const diffIds = (config.rootfs as { diff_ids: string[] }).diff_ids;
    const baseConfig = await skopeoInspect(bases.dockerImage.ref, { config: true });
    deepEqual(
      diffIds.slice(0, -2),
      (baseConfig.rootfs as { diff_ids: string[] }).diff_ids,
      "the base layers are the daemon's",
    );
    equal(await runImage(docker, ref), "Hello from the daemon\n");
  });

  await t.step("a ko.local base the daemon lacks is a clear error", async () => {
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: "ko.local", KO_DEFAULTBASEIMAGE: "ko.local/absent:v1" }),
    });
    equal(r.code, 1);
    match(
      r.stderr,
      /fetching base image: reading ko\.local\/absent:v1 from the Docker daemon: .*404/,
    );
  });

  await t.step("an unreachable daemon is a clear error", async () => {
    const r = await ko(["build", "./cmd/hello"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: "ko.local", DOCKER_HOST: `unix://${tmp.path}/nope.sock` }),
    });
    equal(r.code, 1);
    match(
      r.stderr,
      new RegExp(
        `Error: error publishing "\\./cmd/hello": cannot reach the Docker daemon at unix://${tmp.path}/nope\\.sock \\(DOCKER_HOST\\): no such socket`,
      ),
    );
  });
});

Deno.test({
  ...requires(
    "ko.local loads into podman's Docker API and the image runs under podman",
    podmanUnavailableReason(),
  ),
}, async () => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using podman = await startPodmanService();
  const bases = await pushFixtureBases(registry);
  const src = await writeApp(join(tmp.path, "src"));
  const env = {
    ...podman.env,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    KO_DOCKER_REPO: "ko.local",
  };
  const r = await ko(["build", "-t", "v1", "./cmd/hello"], { cwd: src, env });
  equal(r.code, 0, r.stderr);
  const ref = r.stdout.trim();
  match(ref, new RegExp(`^ko\\.local/${APP_NAME}:[0-9a-f]{64}$`));
  const run = await podman.podman(["run", "--rm", ref]);
  equal(run.code, 0, run.stderr);
  equal(run.stdout, "Hello from the daemon\n");
  const tagged = await podman.podman(["run", "--rm", `ko.local/${APP_NAME}:v1`]);
  equal(tagged.stdout, "Hello from the daemon\n");
  // Publishing again finds the image by ID and only tags it.
  const again = await ko(["build", "-t", "v2", "./cmd/hello"], { cwd: src, env });
  equal(again.code, 0, again.stderr);
  equal(again.stdout.trim(), ref);
  const images = await podman.podman(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
  for (const tag of ["v1", "v2"]) {
    ok(images.stdout.includes(`ko.local/${APP_NAME}:${tag}`), images.stdout);
  }
});

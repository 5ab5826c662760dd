/**
 * ko build end to end against a real registry (Debian's docker-registry) and a real Docker
 * Engine: build a Go app onto fixture bases, push, pull and run it, and check what was pushed
 * with skopeo.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoCopy, skopeoInspect, tempDir } from "../helpers/tools.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { requires } from "../helpers/requires.ts";
import { ko, koOk } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { md5Hex } from "../../src/publish/naming.ts";

const APP = "example.com/e2e/cmd/greeter";
const APP_NAME = `greeter-${md5Hex(APP)}`;

Deno.test("ko build pushes a runnable image onto registry bases", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/e2e",
    files: {
      "cmd/greeter/main.go": PRINT_KODATA_MAIN,
      "cmd/greeter/kodata/hello.txt": "Hello there\n",
      "cmd/greeter/kodata/sub/dir/deep.txt": "deep\n",
      "lib/lib.go": "package lib\n",
    },
    symlinks: { "cmd/greeter/kodata/link.txt": "hello.txt" },
  });
  const repo = `${registry.host}/e2e`;
  const env = (base: string, extra: Record<string, string> = {}) => ({
    KO_DOCKER_REPO: repo,
    KO_DEFAULTBASEIMAGE: base,
    ...extra,
  });

  let pushed = "";
  await t.step("builds onto an OCI image base and prints name@digest", async () => {
    const [line] = await koOk(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.ociImage.ref),
    });
    match(line!, new RegExp(`^${repo}/${APP_NAME}@sha256:[0-9a-f]{64}$`));
    pushed = line!;
    const raw = await skopeoInspect(pushed, { raw: true });
    const layers = raw.layers as Array<{ mediaType: string }>;
    equal(layers.length, bases.ociImage.layerDigests.length + 2);
    equal(layers.at(-1)!.mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
    deepEqual(raw.annotations, {
      "org.opencontainers.image.base.digest": bases.ociImage.digest,
      "org.opencontainers.image.base.name": bases.ociImage.ref,
    });
    const config = await skopeoInspect(pushed, { config: true });
    const c = config.config as Record<string, unknown>;
    deepEqual(c.Entrypoint, ["/ko-app/greeter"]);
    equal(c.Cmd, undefined);
    equal(c.User, "65532");
    deepEqual(c.Env, [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app",
      "KO_DATA_PATH=/var/run/ko",
    ]);
    equal(config.author, "github.com/ko-build/ko");
    const history = config.history as Array<Record<string, string>>;
    deepEqual(history.slice(-2).map((h) => h.comment), [
      "kodata contents, at $KO_DATA_PATH",
      "go build output, at /ko-app/greeter",
    ]);
  });

  await t.step("the same source gives the same digest twice", async () => {
    const [again] = await koOk(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.ociImage.ref),
    });
    equal(again, pushed);
  });

  await t.step("a Docker base gives Docker layer media types", async () => {
    const [line] = await koOk(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.dockerImage.ref),
    });
    const raw = await skopeoInspect(line!, { raw: true });
    equal(raw.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    const layers = raw.layers as Array<{ mediaType: string }>;
    ok(layers.every((l) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar.gzip"));
  });

  await t.step("an index base resolving to linux/amd64 gives one image of that child", async () => {
    const [line] = await koOk(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.ociIndex.ref),
    });
    const raw = await skopeoInspect(line!, { raw: true });
    equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");
    const amd64 = bases.ociIndex.manifests.find((m) => m.platform === "linux/amd64")!;
    equal(
      (raw.annotations as Record<string, string>)["org.opencontainers.image.base.digest"],
      amd64.digest,
    );
  });

  await t.step("a single-image base of another platform fails clearly", async () => {
    const r = await ko(["build", "./cmd/greeter"], { cwd: src, env: env(bases.arm64Image.ref) });
    equal(r.code, 1);
    match(
      r.stderr,
      /base image platform "linux\/arm64" does not match desired platforms \[linux\/amd64\]/,
    );
  });

  await t.step("naming flags, tags and --tag-only", async () => {
    const e = env(bases.ociImage.ref);
    const [bareP] = await koOk(["build", "-P", "./cmd/greeter"], { cwd: src, env: e });
    match(bareP!, new RegExp(`^${repo}/${APP.replaceAll(".", "\\.")}@sha256:`));
    const [b] = await koOk(["build", "-B", "-t", "v1", "./cmd/greeter"], { cwd: src, env: e });
    match(b!, new RegExp(`^${repo}/greeter:v1@sha256:`));
    const [only] = await koOk(["build", "--bare", "--tag-only", "-t", "v2", "./cmd/greeter"], {
      cwd: src,
      env: e,
    });
    equal(only, `${repo}:v2`);
    const [two] = await koOk(["build", "-t", "a,b,a", "./cmd/greeter"], { cwd: src, env: e });
    match(two!, new RegExp(`^${repo}/${APP_NAME}@sha256:`));
    const digest = two!.split("@")[1]!;
    for (const tag of ["a", "b"]) {
      const inspected = await skopeoInspect(`${repo}/${APP_NAME}:${tag}`);
      equal(inspected.Digest, digest);
    }
  });

  await t.step("the examples of ko build --help run as written (but -L)", async () => {
    const help = (await ko(["build", "--help"], { cwd: src })).stdout;
    const examples = help.split("Examples:\n")[1]!.split("\n\n").flatMap((block) =>
      block.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("ko build "))
    ).filter((l) => !/ -L\b/.test(l));
    ok(examples.length >= 3, help);
    for (const line of examples) {
      // In-process runs share the test's working directory: output files go under tmp.
      const args = line.split(/\s+/).slice(1).map((a) =>
        a === "./cmd/app"
          ? "./cmd/greeter"
          : a.replace(/^(--tarball|--oci-layout-path)=(?!\/)/, `$1=${tmp.path}/examples/`)
      );
      await Deno.mkdir(join(tmp.path, "examples"), { recursive: true });
      const r = await ko(args, { cwd: src, env: env(bases.ociIndex.ref) });
      equal(r.code, 0, `${line}\n${r.stderr}`);
    }
  });

  await t.step("--tarball, --oci-layout-path and --image-refs outputs", async () => {
    const tarball = join(tmp.path, "app.tar");
    const layout = join(tmp.path, "layout");
    const refs = join(tmp.path, "refs.txt");
    const [line] = await koOk([
      "build",
      "./cmd/greeter",
      "--tarball",
      tarball,
      "--oci-layout-path",
      layout,
      "--image-refs",
      refs,
    ], { cwd: src, env: env(bases.ociImage.ref) });
    equal(line, pushed);
    equal(await Deno.readTextFile(refs), `${pushed}\n`);
    await skopeoCopy(`oci:${layout}:${repo}/${APP_NAME}:latest`, `dir:${join(tmp.path, "copied")}`);
    const copied = JSON.parse(await Deno.readTextFile(join(tmp.path, "copied", "manifest.json")));
    equal(
      copied.config.digest,
      ((await skopeoInspect(pushed, { raw: true })).config as { digest: string }).digest,
    );
    // Publishing again does not duplicate the layout's index entries.
    await koOk(["build", "./cmd/greeter", "--push=false", "--oci-layout-path", layout], {
      cwd: src,
      env: env(bases.ociImage.ref),
    });
    const index = JSON.parse(await Deno.readTextFile(join(layout, "index.json")));
    equal(index.manifests.length, 1);
    await Deno.stat(tarball);
  });

  await t.step({
    ...requires(
      "docker pulls and runs the pushed image; docker load takes the tarball",
      dockerUnavailableReason(),
    ),
    fn: async () => {
      await using docker = await startDockerEngine();
      const run = await docker.docker(["run", "--rm", "--network", "none", pushed]);
      equal(run.code, 0, run.stderr);
      equal(run.stdout, "Hello there\n");
      const viaLink = await docker.docker(["run", "--rm", "--network", "none", pushed, "link.txt"]);
      equal(viaLink.stdout, "Hello there\n");
      const deep = await docker.docker([
        "run",
        "--rm",
        "--network",
        "none",
        pushed,
        "sub/dir/deep.txt",
      ]);
      equal(deep.stdout, "deep\n");
      const loaded = await docker.docker(["load", "-i", join(tmp.path, "app.tar")]);
      equal(loaded.code, 0, loaded.stderr);
      match(loaded.stdout, new RegExp(`Loaded image: ${repo}/${APP_NAME}:latest`));
      const fromTar = await docker.docker([
        "run",
        "--rm",
        "--network",
        "none",
        `${repo}/${APP_NAME}:latest`,
      ]);
      equal(fromTar.stdout, "Hello there\n");
    },
  });
});

import { equal, match } from "node:assert/strict";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { buildAppImage } from "../helpers/fixture_images.ts";
import { pushBuilt } from "../helpers/fixtures.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { requires } from "../helpers/requires.ts";
import { goBuildFixture, skopeoCopy, tempDir } from "../helpers/tools.ts";

const HELLO = `package main

import (
	"fmt"
	"os"
)

func main() {
	release, _ := os.ReadFile("/etc/fixture-release")
	fmt.Printf("hello uid=%d\\n%s", os.Getuid(), release)
}
`;

Deno.test({
  ...requires(
    "a private Docker Engine pulls, loads and runs an image built on the fixture base",
    dockerUnavailableReason(),
  ),
}, async (t) => {
  await using dir = await tempDir();
  await using reg = await startRegistry();
  const engine = await startDockerEngine();
  try {
    const binary = await Deno.readFile(await goBuildFixture(dir.path, HELLO, { name: "hello" }));
    const app = await pushBuilt(reg, "app/hello", "v1", buildAppImage(binary, { name: "hello" }));

    await t.step("the API answers on the private socket only", async () => {
      match(engine.host, /^unix:\/\/.*\/docker\.sock$/);
      const res = await fetch("http://d/version", { client: engine.client });
      const version = await res.json();
      match(version.ApiVersion, /^1\.\d+$/);
    });

    await t.step(
      "docker pull from a 127.0.0.1 registry over plain HTTP, then run as nonroot",
      async () => {
        const pull = await engine.docker(["pull", "--quiet", app.ref]);
        equal(pull.code, 0, pull.stderr);
        const runRes = await engine.docker(["run", "--rm", "--network", "none", app.ref]);
        equal(runRes.code, 0, runRes.stderr);
        match(runRes.stdout, /^hello uid=65532\nNAME=ko-ts fixture base\nPLATFORM=linux\/amd64\n$/);
      },
    );

    await t.step("docker load of a docker-archive tarball, then run", async () => {
      const tar = `${dir.path}/hello.tar`;
      await skopeoCopy(app.ref, `docker-archive:${tar}:loaded/hello:v1`);
      const load = await engine.docker(["load", "--input", tar]);
      equal(load.code, 0, load.stderr);
      match(load.stdout, /Loaded image: loaded\/hello:v1/);
      const runRes = await engine.docker(["run", "--rm", "--network", "none", "loaded/hello:v1"]);
      equal(runRes.code, 0, runRes.stderr);
      match(runRes.stdout, /^hello uid=65532/);
    });

    await t.step(
      "docker login to a bearer-token registry, then pull with the stored credentials",
      async () => {
        await using secured = await startRegistry({ mode: "bearer" });
        const pushed = await pushBuilt(
          secured,
          "app/hello",
          "v1",
          buildAppImage(binary, { name: "hello" }),
        );
        const denied = await engine.docker(["pull", "--quiet", pushed.ref]);
        equal(denied.code === 0, false);
        const login = await engine.docker(
          ["login", "--username", secured.username!, "--password-stdin", secured.host],
          { stdin: secured.password! },
        );
        equal(login.code, 0, login.stderr);
        const pull = await engine.docker(["pull", "--quiet", pushed.ref]);
        equal(pull.code, 0, pull.stderr);
        const tokenUsers = new Set(secured.tokenRequests!.map((r) => r.account ?? "anonymous"));
        equal(tokenUsers.has(secured.username!), true);
      },
    );
  } finally {
    await engine.stop();
  }
  const gone = await Deno.stat(engine.socket).then(() => false, () => true);
  equal(gone, true);
});

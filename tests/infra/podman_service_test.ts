import { equal, match } from "node:assert/strict";
import { buildAppImage } from "../helpers/fixture_images.ts";
import { pushBuilt } from "../helpers/fixtures.ts";
import { podmanUnavailableReason, startPodmanService } from "../helpers/podman_service.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { requires } from "../helpers/requires.ts";
import { goBuildFixture, skopeoCopy, tempDir } from "../helpers/tools.ts";

const HELLO = `package main

import "fmt"

func main() { fmt.Println("hello from podman") }
`;

Deno.test({
  ...requires(
    "a private podman service loads an image through the Docker API and runs it",
    podmanUnavailableReason(),
  ),
}, async (t) => {
  await using dir = await tempDir();
  const tar = `${dir.path}/hello.tar`;
  {
    await using reg = await startRegistry();
    const binary = await Deno.readFile(await goBuildFixture(dir.path, HELLO, { name: "hello" }));
    const app = await pushBuilt(reg, "app/hello", "v1", buildAppImage(binary, { name: "hello" }));
    await skopeoCopy(app.ref, `docker-archive:${tar}:example.com/hello:v1`);
  }
  const podman = await startPodmanService();
  try {
    await t.step(
      "POST /images/load takes a docker-archive; the compat API names a bare repo docker.io/library/",
      async () => {
        const res = await fetch("http://d/v1.41/images/load", {
          method: "POST",
          headers: { "content-type": "application/x-tar" },
          body: await Deno.readFile(tar),
          client: podman.client,
        });
        const text = await res.text();
        equal(res.status, 200, text);
        match(text, /Loaded image: example\.com\/hello:v1/);
        const tag = await fetch(
          "http://d/v1.41/images/example.com/hello:v1/tag?repo=retagged&tag=t",
          {
            method: "POST",
            client: podman.client,
          },
        );
        await tag.body?.cancel();
        equal(tag.status, 201);
        const inspect = await fetch("http://d/v1.41/images/docker.io/library/retagged:t/json", {
          client: podman.client,
        });
        const image = await inspect.json();
        equal(inspect.status, 200);
        equal(image.Config.User, "65532");
      },
    );

    await t.step("docker run through the podman socket", async () => {
      const res = await podman.docker(["run", "--rm", "--network", "none", "example.com/hello:v1"]);
      equal(res.code, 0, res.stderr);
      match(res.stdout, /hello from podman/);
    });
  } finally {
    await podman.stop();
  }
});

/**
 * README's Quick start, first command, run exactly as written in a copy of the repository:
 * it builds examples/hello onto the built-in scratch base with no registry, writes an OCI
 * layout, prints its reference — and the image runs and prints the kodata greeting.
 */
import { equal, match } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { run, skopeoCopy, skopeoInspect, tempDir } from "../helpers/tools.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { requires } from "../helpers/requires.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The commands of README's "Quick start" code block. */
async function quickStartCommands(): Promise<string[]> {
  const readme = await Deno.readTextFile(join(root, "README.md"));
  const section = readme.slice(readme.indexOf("## Quick start"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block.split("\n").filter((l) => l.trim() !== "");
}

Deno.test("README's Quick start has two commands and the first builds a runnable image offline", async (t) => {
  const commands = await quickStartCommands();
  equal(commands.length, 2, "the Quick start is exactly two commands");
  equal(commands[1], "bash scripts/test.sh");

  await using tmp = await tempDir();
  const copy = join(tmp.path, "repo");
  await Deno.mkdir(copy);
  for (
    const f of ["ko", "main.ts", "deno.json", "deno.lock", ".ko.yaml", "src", "examples", "scripts"]
  ) {
    await run("cp", ["-a", join(root, f), copy]);
  }
  // The pinned Deno is already installed here; don't download it again.
  await Deno.symlink(join(root, ".tools"), join(copy, ".tools"));
  const home = join(tmp.path, "home");
  await Deno.mkdir(home);
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: home,
    GOCACHE: Deno.env.get("GOCACHE") ?? join(Deno.env.get("HOME") ?? home, ".cache", "go-build"),
    GOMODCACHE: Deno.env.get("GOMODCACHE") ??
      join(Deno.env.get("HOME") ?? home, "go", "pkg", "mod"),
    GOPROXY: "off", // no network needed
  };
  const denoDir = Deno.env.get("DENO_DIR");
  env.DENO_DIR = denoDir ?? join(Deno.env.get("HOME") ?? home, ".cache", "deno");
  const r = await run("bash", ["-c", commands[0]!], { cwd: copy, env, clearEnv: true });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^out\/hello@sha256:[0-9a-f]{64}\n$/);

  const index = JSON.parse(await Deno.readTextFile(join(copy, "out/hello/index.json")));
  const refName = index.manifests[0].annotations["org.opencontainers.image.ref.name"];
  const inspected = await skopeoInspect(`oci:${join(copy, "out/hello")}:${refName}`);
  equal(inspected.Digest, r.stdout.trim().split("@")[1]);

  await t.step({
    ...requires(
      "the image runs in Docker and prints the kodata greeting",
      dockerUnavailableReason(),
    ),
    fn: async () => {
      const archive = join(tmp.path, "hello.tar");
      await skopeoCopy(
        `oci:${join(copy, "out/hello")}:${refName}`,
        `docker-archive:${archive}:hello:quickstart`,
      );
      await using docker = await startDockerEngine();
      equal((await docker.docker(["load", "-i", archive])).code, 0);
      const out = await docker.docker(["run", "--rm", "--network", "none", "hello:quickstart"]);
      equal(out.code, 0, out.stderr);
      match(out.stdout, /Hello from ko for TypeScript!/);
    },
  });
});

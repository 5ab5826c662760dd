/**
 * ko.local against the way without it: `ko build --push=false --tarball t.tar` then
 * `docker load -i t.tar` (baseline), versus `KO_DOCKER_REPO=ko.local ko build` streaming the
 * tarball into `POST /images/load`, and a repeated ko.local build where the daemon already has
 * the image (only tags). A private dockerd, a local registry for the base, ko as real processes
 * (`deno run -A main.ts`), the Go build cache warm; medians of N runs, ratios to the baseline.
 *
 *   .tools/bin/deno run -A scripts/bench_daemon.ts [runs=5]
 */
import { join } from "node:path";
import { startDockerEngine } from "../tests/helpers/docker_engine.ts";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../tests/helpers/go_app.ts";
import { run, tempDir } from "../tests/helpers/tools.ts";

const runs = Number(Deno.args[0] ?? 5);
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

await using registry = await startRegistry();
await using docker = await startDockerEngine();
await using tmp = await tempDir("ko-bench-daemon-");
const bases = await pushFixtureBases(registry);
const src = await writeGoApp(join(tmp.path, "src"), {
  module: "example.com/bench",
  files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
});
const env = { ...docker.env, KO_DEFAULTBASEIMAGE: bases.ociImage.ref };

async function ko(args: string[], extra: Record<string, string>): Promise<void> {
  const r = await run(deno, ["run", "-A", join(root, "main.ts"), ...args], {
    cwd: src,
    env: { ...env, ...extra },
  });
  if (r.code !== 0) throw new Error(`ko ${args.join(" ")}: ${r.stderr}`);
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Warm the Go build cache and Deno's module cache.
await ko(["build", "--push=false", "."], {});

const baseline: number[] = [];
const local: number[] = [];
const present: number[] = [];
for (let i = 0; i < runs; i++) {
  // Each round loads a new image (a different kodata file), so nothing is already present.
  await Deno.writeTextFile(join(src, "kodata", "round.txt"), `round ${i}\n`);
  const tarball = join(tmp.path, `r${i}.tar`);
  baseline.push(
    await time(async () => {
      await ko(["build", "--push=false", "--tarball", tarball, "-t", `base${i}`, "."], {
        KO_DOCKER_REPO: "bench.local",
      });
      const r = await docker.docker(["load", "-i", tarball]);
      if (r.code !== 0) throw new Error(r.stderr);
    }),
  );
  await docker.docker(["image", "prune", "-af"]);
  local.push(await time(() => ko(["build", "."], { KO_DOCKER_REPO: "ko.local" })));
  present.push(
    await time(() => ko(["build", "-t", `again${i}`, "."], { KO_DOCKER_REPO: "ko.local" })),
  );
  await docker.docker(["image", "prune", "-af"]);
}

const b = median(baseline);
console.log(`runs: ${runs}`);
console.log(`baseline (--tarball + docker load): median ${b.toFixed(0)} ms`);
console.log(
  `ko.local (streamed /images/load):   median ${median(local).toFixed(0)} ms  ratio ${
    (median(local) / b).toFixed(2)
  }`,
);
console.log(
  `ko.local, image already present:    median ${median(present).toFixed(0)} ms  ratio ${
    (median(present) / b).toFixed(2)
  }`,
);

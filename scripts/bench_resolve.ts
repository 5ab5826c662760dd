/**
 * Benchmark of `ko resolve` (issue 6): a manifest with 30 `ko://` occurrences of 6 distinct
 * apps (5 each, spread over 6 Deployments) resolved by one `ko resolve`, against building the
 * same 6 apps with 6 `ko build`s one after another — both as real processes
 * (`deno run -A main.ts …`), same flags (`--sbom=none`, default `--jobs`), same registry (a
 * local docker-registry started here), in the same run, alternating.
 *
 * Two scenarios, each side measured under the same conditions:
 *   1. unchanged — Go's build cache is warm and the registry already holds every blob and
 *      manifest (the warm-up runs pushed them): compile is cached, link, layer and HEADs run;
 *   2. changed — before every measured run all 6 apps get a new source line, so each run
 *      compiles, links and uploads 6 new binary layers.
 *
 * Reported: medians of `--runs` runs (default 5) and the ratio resolve / sequential builds.
 * Target: ≤ 0.6×. The script also checks that resolve built each app exactly once (its
 * `Building … for …` log lines) and replaced all 30 references.
 *
 * Usage: deno run -A scripts/bench_resolve.ts [--runs N]
 */
import { join } from "node:path";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";

const runs = Math.max(3, Number(Deno.args[Deno.args.indexOf("--runs") + 1] || 5) || 5);
const root = new URL("..", import.meta.url).pathname;
const main = join(root, "main.ts");
const MODULE = "example.com/bench";
const APPS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];

const appSource = (name: string, n: number) =>
  `package main

import "fmt"

func main() { fmt.Println("${name} ${n}") }
`;

/** Six Deployments, each with five containers: 30 references, every app five times. */
function manifest(): string {
  const docs: string[] = [];
  for (let d = 0; d < 6; d++) {
    const containers = [0, 1, 2, 3, 4].map((c) => {
      const app = APPS[(d + c) % APPS.length]!;
      return `      - name: c${c}\n        image: ko://${MODULE}/cmd/${app}\n`;
    });
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d${d}\nspec:\n  template:\n` +
        `    spec:\n      containers:\n${containers.join("")}`,
    );
  }
  return docs.join("---\n");
}

async function timed(args: string[], cwd: string, env: Record<string, string>) {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, ...args],
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`ko ${args.join(" ")} failed:\n${stderr}`);
  return { ms, stdout, stderr };
}

await using registry = await startRegistry({ storage: "filesystem" });
const bases = await pushFixtureBases(registry);
const dir = await Deno.makeTempDir({ prefix: "ko-bench-resolve-" });
try {
  await Deno.writeTextFile(join(dir, "go.mod"), `module ${MODULE}\n\ngo 1.22\n`);
  const writeApps = async (n: number) => {
    for (const app of APPS) {
      await Deno.mkdir(join(dir, "cmd", app), { recursive: true });
      await Deno.writeTextFile(join(dir, "cmd", app, "main.go"), appSource(app, n));
    }
  };
  await writeApps(0);
  await Deno.writeTextFile(join(dir, "manifest.yaml"), manifest());
  const env = {
    ...Deno.env.toObject(),
    KO_DOCKER_REPO: `${registry.host}/bench`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
  };
  const flags = ["--sbom=none"];
  const resolve = async () => {
    const r = await timed(["resolve", ...flags, "-f", "manifest.yaml"], dir, env);
    const built = [...r.stderr.matchAll(/ Building (\S+) for /g)].map((m) => m[1]);
    if (built.length !== APPS.length || new Set(built).size !== APPS.length) {
      throw new Error(`resolve built ${built.length} times, expected each app once:\n${r.stderr}`);
    }
    const refs = r.stdout.match(new RegExp(`${registry.host}/bench/\\S+@sha256:[0-9a-f]{64}`, "g"));
    if (refs?.length !== 30 || r.stdout.includes("ko://")) {
      throw new Error(`resolve replaced ${refs?.length ?? 0} of 30 references:\n${r.stdout}`);
    }
    return r.ms;
  };
  const sequential = async () => {
    let ms = 0;
    for (const app of APPS) ms += (await timed(["build", ...flags, `./cmd/${app}`], dir, env)).ms;
    return ms;
  };

  // Warm up: Deno's module cache, Go's build cache, the registry's blobs and manifests.
  await sequential();
  await resolve();

  const unchanged = { resolve: [] as number[], builds: [] as number[] };
  for (let i = 0; i < runs; i++) {
    unchanged.resolve.push(await resolve());
    unchanged.builds.push(await sequential());
  }

  const changed = { resolve: [] as number[], builds: [] as number[] };
  for (let i = 0; i < runs; i++) {
    await writeApps(1000 + i);
    changed.resolve.push(await resolve());
    await writeApps(2000 + i);
    changed.builds.push(await sequential());
  }

  const report = (name: string, m: { resolve: number[]; builds: number[] }) => {
    const r = median(m.resolve);
    const b = median(m.builds);
    console.log(
      `${name.padEnd(10)} resolve (30 refs, 6 apps) ${r.toFixed(0).padStart(6)} ms   ` +
        `6 × ko build ${b.toFixed(0).padStart(6)} ms   ratio ${(r / b).toFixed(2)}×`,
    );
  };
  console.log(
    `${runs} runs each, medians; ${navigator.hardwareConcurrency} CPUs; registry on loopback`,
  );
  report("unchanged", unchanged);
  report("changed", changed);
  console.log("target: ratio ≤ 0.60×");
} finally {
  await Deno.remove(dir, { recursive: true });
}

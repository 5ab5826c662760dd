/**
 * Benchmark of `ko build` overhead (issue 3): a hello-world app pushed to a local registry
 * (Debian's docker-registry, started here), measured as real processes:
 *
 *   1. warm rebuild — nothing changed, the registry already has every blob;
 *   2. rebuild after a one-line code change;
 *
 * each next to `go build` of the same package in the same run. Our overhead is the difference
 * of the medians. Target: warm-rebuild overhead ≤ 150 ms.
 *
 * Usage: deno run -A scripts/bench_build.ts [--runs N]
 */
import { join } from "node:path";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1] || 9) || 9;
const root = new URL("..", import.meta.url).pathname;
const main = join(root, "main.ts");

const HELLO = (n: number) =>
  `package main

import "fmt"

func main() { fmt.Println("hello ${n}") }
`;

async function timed(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  const ms = performance.now() - t0;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

await using registry = await startRegistry({ storage: "filesystem" });
const bases = await pushFixtureBases(registry);
const dir = await Deno.makeTempDir({ prefix: "ko-bench-" });
try {
  await Deno.writeTextFile(join(dir, "go.mod"), "module example.com/hello\n\ngo 1.22\n");
  await Deno.writeTextFile(join(dir, "main.go"), HELLO(0));
  const env = {
    ...Deno.env.toObject(),
    KO_DOCKER_REPO: `${registry.host}/bench`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
  };
  const deno = Deno.execPath();
  const ko = (cwd: string) =>
    timed(deno, ["run", "-A", main, "build", "--sbom=none", "."], cwd, env);
  const goBuild = (cwd: string) =>
    timed("go", ["build", "-trimpath", "-o", join(dir, "out"), "."], cwd, {
      ...env,
      CGO_ENABLED: "0",
    });

  // Warm everything: Go cache, Deno module cache, registry blobs.
  await goBuild(dir);
  await ko(dir);
  await ko(dir);

  const warm = { go: [] as number[], ko: [] as number[] };
  for (let i = 0; i < runs; i++) {
    warm.go.push(await goBuild(dir));
    warm.ko.push(await ko(dir));
  }

  const changed = { go: [] as number[], ko: [] as number[] };
  for (let i = 0; i < runs; i++) {
    await Deno.writeTextFile(join(dir, "main.go"), HELLO(1000 + i));
    changed.go.push(await goBuild(dir));
    await Deno.writeTextFile(join(dir, "main.go"), HELLO(2000 + i));
    changed.ko.push(await ko(dir));
  }

  const row = (name: string, r: { go: number[]; ko: number[] }) => {
    const g = median(r.go), k = median(r.ko);
    return `| ${name} | ${g.toFixed(0)} | ${k.toFixed(0)} | ${(k - g).toFixed(0)} | ${
      (k / g).toFixed(2)
    }× |`;
  };
  console.log(
    `ko build overhead over go build, medians of ${runs} runs (ms), ${new Date().toISOString()}`,
  );
  console.log("| case | go build | ko build | overhead | ratio |");
  console.log("|---|---|---|---|---|");
  console.log(row("warm rebuild (nothing changed, blobs present)", warm));
  console.log(row("rebuild after a one-line change", changed));
  console.log(`target: warm overhead ≤ 150 ms`);
} finally {
  await Deno.remove(dir, { recursive: true });
}

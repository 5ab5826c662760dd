/**
 * Benchmark of `ko build` overhead: a hello-world app pushed to a local registry (Debian's
 * docker-registry, started here), measured as real processes:
 *
 *   1. start-up: `ko version`;
 *   2. warm rebuild — nothing changed, the registry already has every blob;
 *   3. rebuild after a one-line code change;
 *
 * each next to `go build` of the same package in the same loop. Our overhead is the difference
 * of the medians. With `--baseline DIR` (another checkout of ko, e.g. a `git worktree` of an
 * earlier commit; repeatable), that checkout runs in the same loop too, so they are compared
 * under the same load.
 *
 * Usage: deno run -A scripts/bench_build.ts [--runs N] [--baseline DIR]...
 */
import { join } from "node:path";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 9) || 9;
/** `--baseline DIR`, repeatable: other checkouts run in the same loop. */
const baselines = Deno.args.flatMap((a, i) => a === "--baseline" ? [Deno.args[i + 1]!] : []);
const root = new URL("..", import.meta.url).pathname;

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
  const kos: Array<[string, string]> = [["ours", join(root, "main.ts")]];
  for (const b of baselines) {
    kos.push([b.replace(/\/+$/, "").split("/").pop()!, join(b, "main.ts")]);
  }
  const version = (main: string) => timed(deno, ["run", "-A", main, "version"], dir, env);
  const build = (main: string) =>
    timed(deno, ["run", "-A", main, "build", "--sbom=none", "."], dir, env);
  const goBuild = () =>
    timed("go", ["build", "-trimpath", "-o", join(dir, "out"), "."], dir, {
      ...env,
      CGO_ENABLED: "0",
    });

  // Warm everything: Go cache, Deno module cache, registry blobs.
  await goBuild();
  for (const [, main] of kos) {
    await version(main);
    await build(main);
    await build(main);
  }

  type Samples = Record<string, number[]>;
  const fresh = (): Samples => Object.fromEntries([["go", []], ...kos.map(([n]) => [n, []])]);
  const startup = fresh(), warm = fresh(), changed = fresh();
  let edit = 1000;
  for (let i = 0; i < runs; i++) {
    // Each round starts with another checkout, so none always runs right after go build.
    const order = [...kos.slice(i % kos.length), ...kos.slice(0, i % kos.length)];
    for (const [name, main] of order) startup[name]!.push(await version(main));
    warm.go!.push(await goBuild());
    for (const [name, main] of order) warm[name]!.push(await build(main));
    await Deno.writeTextFile(join(dir, "main.go"), HELLO(edit++));
    changed.go!.push(await goBuild());
    for (const [name, main] of order) {
      await Deno.writeTextFile(join(dir, "main.go"), HELLO(edit++));
      changed[name]!.push(await build(main));
    }
  }

  console.log(
    `ko build against go build, medians of ${runs} runs (ms), ${new Date().toISOString()}`,
  );
  const names = kos.map(([n]) => n);
  console.log(`| case | go build | ${names.map((n) => `${n} | ${n} overhead`).join(" | ")} |`);
  console.log(`|---|---|${names.map(() => "---|---|").join("")}`);
  const row = (label: string, s: Samples, withGo: boolean) => {
    const g = withGo ? median(s.go!) : 0;
    const cells = names.map((n) => {
      const m = median(s[n]!);
      return `${m.toFixed(0)} | ${withGo ? (m - g).toFixed(0) : "—"}`;
    });
    console.log(`| ${label} | ${withGo ? g.toFixed(0) : "—"} | ${cells.join(" | ")} |`);
  };
  row("start-up (ko version)", startup, false);
  row("warm rebuild (nothing changed, blobs present)", warm, true);
  row("rebuild after a one-line change", changed, true);
  for (const [name] of kos.slice(1)) {
    const ratio = (s: Samples) => (median(s.ours!) / median(s[name]!)).toFixed(2);
    console.log(
      `ours / ${name}: start-up ${ratio(startup)}×, warm ${ratio(warm)}×, changed ${
        ratio(changed)
      }×`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

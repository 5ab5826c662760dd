/**
 * Benchmark of KOCACHE on a warm rebuild (issue 5): a hello-world app pushed to a local
 * registry (Debian's docker-registry, started here) that already has every blob, rebuilt with
 * nothing changed, as real processes (`deno run -A main.ts build …`, so Deno's start-up
 * counts):
 *
 *   - `go build` alone: the same command ko runs, into a kept (up-to-date) output;
 *   - ko with KOCACHE, and ko without it, each with the default SBOM and with `--sbom=none`.
 *
 * The runs are interleaved (one of each per round) so load changes hit every case alike.
 * Overhead = median ko wall time − median go build time; target ≤ 80 ms with KOCACHE. One
 * extra verbose run per case checks what happened: whether the binary layer came from the
 * cache (no tar, no compression) and which requests reached the registry (no blob uploads).
 *
 * Usage: deno run -A scripts/bench_kocache.ts [--runs N]
 */
import { join } from "node:path";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";

const runsArg = Deno.args.indexOf("--runs");
const runs = Math.max(7, Number(runsArg >= 0 ? Deno.args[runsArg + 1] : 9) || 9);
const root = new URL("..", import.meta.url).pathname;
const main = join(root, "main.ts");
const deno = Deno.execPath();

const HELLO = `package main

import "fmt"

func main() { fmt.Println("hello") }
`;

interface Timed {
  ms: number;
  stderr: string;
}

async function timed(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Timed> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${stderr}`);
  return { ms, stderr };
}

await using registry = await startRegistry();
const bases = await pushFixtureBases(registry);
const tmp = await Deno.makeTempDir({ prefix: "ko-bench-kocache-" });
try {
  const app = join(tmp, "app");
  await Deno.mkdir(app);
  await Deno.writeTextFile(join(app, "go.mod"), "module example.com/hello\n\ngo 1.22\n");
  await Deno.writeTextFile(join(app, "main.go"), HELLO);
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    KO_DOCKER_REPO: `${registry.host}/bench`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref, // a tag: resolved with a HEAD on every build
    XDG_CACHE_HOME: join(tmp, "xdg"), // keeps ~/.cache clean; outputs stay kept between runs
  };
  delete env.KOCACHE;
  const cached = { ...env, KOCACHE: join(tmp, "kocache") };
  const ko = (e: Record<string, string>, extra: string[] = []) => () =>
    timed(deno, ["run", "-A", main, "build", ...extra, "."], app, e);
  // What ko runs (go build -trimpath -o <kept out> <importpath>, CGO_ENABLED=0, GOOS, GOARCH),
  // into a kept output so Go sees it up to date and skips the link, as ko's does.
  const goBuild = () =>
    timed(
      "go",
      ["build", "-trimpath", "-o", join(tmp, "go-out", "out"), "example.com/hello"],
      app,
      {
        ...env,
        CGO_ENABLED: "0",
        GOOS: "linux",
        GOARCH: "amd64",
      },
    );

  const cases: Array<[string, () => Promise<Timed>]> = [
    ["go build alone", goBuild],
    ["ko, KOCACHE", ko(cached)],
    ["ko, no KOCACHE", ko(env)],
    ["ko --sbom=none, KOCACHE", ko(cached, ["--sbom=none"])],
    ["ko --sbom=none, no KOCACHE", ko(env, ["--sbom=none"])],
  ];
  // Warm up: Go's build cache, Deno's module cache, the registry's blobs, both caches.
  for (const [, run] of cases) await run();
  for (const [, run] of cases) await run();

  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of cases) times.get(name)!.push((await run()).ms);
  }

  // One verbose run per ko case: was the layer a cache hit, and what did the registry see?
  const checks = new Map<string, string>();
  for (
    const [name, e, extra] of [
      ["ko, KOCACHE", cached, []],
      ["ko, no KOCACHE", env, []],
      ["ko --sbom=none, KOCACHE", cached, ["--sbom=none"]],
      ["ko --sbom=none, no KOCACHE", env, ["--sbom=none"]],
    ] as const
  ) {
    const before = registry.logs().length;
    const r = await ko(e, ["-v", ...extra])();
    const requests = registry.logs().slice(before).split("\n")
      .map((l) => /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => {
        const path = m![2]!;
        const what = path === "/v2/" ? "ping" : path.includes("/blobs/") ? "blob" : "manifest";
        return `${m![1]} ${what}`;
      });
    const counts = new Map<string, number>();
    for (const q of requests) counts.set(q, (counts.get(q) ?? 0) + 1);
    const hit = /kocache: layer \w+: hit/.test(r.stderr)
      ? "layer from cache"
      : /kocache: layer \w+: stored/.test(r.stderr)
      ? "layer built and stored"
      : /layer memo: .*: hit/.test(r.stderr)
      ? "layer digests remembered, nothing built"
      : "layer built";
    const uploads = requests.filter((q) => /^(PUT|POST|PATCH) blob/.test(q)).length;
    checks.set(
      name,
      `${hit}; blob uploads: ${uploads}; requests: ${
        [...counts].map(([k, n]) => `${n}× ${k}`).join(", ")
      }`,
    );
  }

  const go = median(times.get("go build alone")!);
  console.log(
    `Warm rebuild (nothing changed, registry has every blob), medians of ${runs} interleaved runs, ${
      new Date().toISOString()
    }`,
  );
  console.log("| case | median ms | min | max | overhead over go build |");
  console.log("|---|---|---|---|---|");
  for (const [name, xs] of times) {
    const m = median(xs);
    const over = name === "go build alone" ? "—" : `${(m - go).toFixed(0)} ms`;
    console.log(
      `| ${name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${
        Math.max(...xs).toFixed(0)
      } | ${over} |`,
    );
  }
  const ratio = (a: string, b: string) =>
    (median(times.get(a)!) / median(times.get(b)!)).toFixed(2);
  console.log(
    `KOCACHE / no KOCACHE: ${ratio("ko, KOCACHE", "ko, no KOCACHE")} (default SBOM), ${
      ratio("ko --sbom=none, KOCACHE", "ko --sbom=none, no KOCACHE")
    } (--sbom=none)`,
  );
  for (const [name, what] of checks) console.log(`${name}: ${what}`);
  console.log("target: overhead with KOCACHE ≤ 80 ms (median)");
} finally {
  await Deno.remove(tmp, { recursive: true });
}

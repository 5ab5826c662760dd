/**
 * Benchmark of multi-platform `ko build` (issue 4): one build for linux/amd64, linux/arm64
 * and linux/arm/v7 versus the three single-platform builds run one after another, in the same
 * run, as real `deno run main.ts build` processes against a local registry (Debian's
 * docker-registry) and the fixture index base. Go's build cache is warm (a warm-up round
 * first); before every measured ko run the app's source changes, so each platform recompiles
 * its main package, relinks, and pushes new layers, SBOMs included (the default `--sbom`).
 * Target: multi / sequential ≤ 0.6 on 2 cores. The same ratio for the bare go builds (no ko)
 * is measured last, as the floor ko's ratio approaches when its own overhead shrinks. CPU time
 * (user + sys, with GNU time) is reported too: wall-clock gains need idle cores, and the load
 * average is printed before and after because on a shared machine other work takes them.
 *
 * Usage: deno run -A scripts/bench_multiplatform.ts [--runs N] [--app hello|http] [--sbom none]
 *   [--jobs N]   (passed to every ko build; default: ko's, one per CPU)
 *
 * `--app http` (default) is a small net/http + encoding/json server (~8 MB binary); `hello`
 * is fmt only (~2 MB). The first run cross-compiles the standard library for arm64 and arm
 * once if the Go cache lacks it.
 */
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : fallback;
};
const runs = Math.max(3, Number(arg("runs", "5")) || 5);
const app = arg("app", "http");
const sbom = arg("sbom", "spdx");
const jobs = arg("jobs", "");
const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
const root = new URL("..", import.meta.url).pathname;
const main = join(root, "main.ts");

function source(n: number): string {
  if (app === "hello") {
    return `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello ${n}") }\n`;
  }
  return `package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

const build = ${n}

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"build": build, "path": r.URL.Path})
	})
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	log.Fatal(http.ListenAndServe(addr, nil))
}
`;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Wall and CPU (user + sys of ko and the go builds it waited for) milliseconds. */
interface Sample {
  wall: number;
  cpu: number;
}

/** GNU time, for CPU times; without it only wall times are reported. */
const TIME = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile ? "/usr/bin/time" : undefined;
  } catch {
    return undefined;
  }
})();

function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

await using registry = await startRegistry({ storage: "filesystem" });
const bases = await pushFixtureBases(registry);
const dir = await Deno.makeTempDir({ prefix: "ko-bench-mp-" });
let version = 0;
try {
  await Deno.writeTextFile(join(dir, "go.mod"), "module example.com/mp\n\ngo 1.22\n");
  const env = {
    ...Deno.env.toObject(),
    KO_DOCKER_REPO: `${registry.host}/bench`,
    KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
  };
  const deno = Deno.execPath();
  /** One ko build after a source change: wall time and CPU time (ko and its children). */
  const koBuild = async (platforms: string): Promise<Sample> => {
    await Deno.writeTextFile(join(dir, "main.go"), source(++version));
    const args = ["run", "-A", main, "build", `--sbom=${sbom}`, `--platform=${platforms}`];
    if (jobs) args.push(`--jobs=${jobs}`);
    args.push(".");
    const t0 = performance.now();
    const out = await new Deno.Command(TIME ?? deno, {
      args: TIME ? ["-f", "cpu %U %S", deno, ...args] : args,
      cwd: dir,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const wall = performance.now() - t0;
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`ko build failed:\n${stderr}`);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
  };
  const sequential = async (): Promise<Sample> => {
    const total = { wall: 0, cpu: 0 };
    for (const p of PLATFORMS) {
      const s = await koBuild(p);
      total.wall += s.wall;
      total.cpu += s.cpu;
    }
    return total;
  };

  console.log(
    `ko build of a ${app} app, ${PLATFORMS.join(" + ")}, --sbom=${sbom}, ` +
      `${availableParallelism()} CPUs, --jobs ${jobs || "default"}, ${runs} runs each ` +
      `(warm-up round first)`,
  );
  console.log(`load average before: ${loadavg()}`);
  const warmT0 = performance.now();
  await koBuild(PLATFORMS.join(","));
  await sequential();
  console.log(`warm-up round: ${fmt(performance.now() - warmT0)}`);

  const multi: Sample[] = [];
  const seq: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so drift in machine load hits both sides alike.
    if (i % 2 === 0) {
      multi.push(await koBuild(PLATFORMS.join(",")));
      seq.push(await sequential());
    } else {
      seq.push(await sequential());
      multi.push(await koBuild(PLATFORMS.join(",")));
    }
    const [m, s] = [multi.at(-1)!, seq.at(-1)!];
    console.log(
      `  run ${i + 1}: 3-platform ${fmt(m.wall)} (cpu ${fmt(m.cpu)}), ` +
        `3 single ${fmt(s.wall)} (cpu ${fmt(s.cpu)})`,
    );
  }
  const mw = median(multi.map((x) => x.wall));
  const sw = median(seq.map((x) => x.wall));
  const mc = median(multi.map((x) => x.cpu));
  const sc = median(seq.map((x) => x.cpu));
  console.log(`median 3-platform build:          ${fmt(mw)} wall, ${fmt(mc)} cpu`);
  console.log(`median 3 single-platform builds:  ${fmt(sw)} wall, ${fmt(sc)} cpu`);
  console.log(`wall ratio (target <= 0.60):      ${(mw / sw).toFixed(2)}`);
  console.log(`cpu ratio:                        ${(mc / sc).toFixed(2)}`);

  // The floor: the same three go builds (what ko runs) without ko, concurrently (as --jobs
  // lets them run) versus one after another. ko's ratio can only approach this one.
  const goBuild = (platform: string) => {
    const [goos, goarch, variant] = platform.split("/");
    return new Deno.Command("go", {
      args: ["build", "-trimpath", "-o", join(dir, `go-${goarch}`), "."],
      cwd: dir,
      env: {
        ...env,
        CGO_ENABLED: "0",
        GOOS: goos!,
        GOARCH: goarch!,
        ...(variant ? { GOARM: variant.slice(1) } : {}),
      },
      stdout: "null",
      stderr: "null",
    }).output();
  };
  const goWall = async (parallel: boolean) => {
    await Deno.writeTextFile(join(dir, "main.go"), source(++version));
    const t0 = performance.now();
    if (parallel) await Promise.all(PLATFORMS.map(goBuild));
    else for (const p of PLATFORMS) await goBuild(p);
    return performance.now() - t0;
  };
  const goPar: number[] = [];
  const goSeq: number[] = [];
  for (let i = 0; i < runs; i++) {
    goPar.push(await goWall(true));
    goSeq.push(await goWall(false));
  }
  const gp = median(goPar);
  const gs = median(goSeq);
  console.log(
    `go build alone, 3 at once / 3 in a row: ${fmt(gp)} / ${fmt(gs)}, ratio ${
      (gp / gs).toFixed(2)
    } (the floor for ko's ratio)`,
  );
  console.log(`load average after: ${loadavg()}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}

/**
 * The edit → image loop, side by side with real ko v0.19.1 (built once from the Go module
 * proxy) on a real registry (Debian's docker-registry, started here), with the same base image
 * (a fixture pushed to that registry) and default flags:
 *
 *   1. warm: nothing changed;
 *   2. a one-line edit of a small app, one platform;
 *   3. the same for linux/amd64, linux/arm64 and linux/arm/v7;
 *   4. a one-line edit of an app embedding 25 MB of data;
 *   5. scale: `resolve -f` of N apps sharing one library, after an edit of the library
 *      (N = 6, 12, 24), both with their default concurrency;
 *
 * Each round runs ours, ko and the floor (`go build -trimpath` of the same edit: the work
 * neither can avoid) in a rotating order; each edits a string constant so that every build
 * compiles and links. Figures are medians; overhead is the time above the floor. Also: the
 * compressed size of the big app's binary layer (ours and ko's), and the peak RSS of the big
 * build (GNU time).
 *
 * Usage: deno run -A scripts/bench_vs_ko.ts [--runs N] [--cases warm,small,multi,big,scale]
 *          [--scale-jobs J]   (ours only: `--jobs J` for the scale case; default: our default)
 */
import { join } from "node:path";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { median } from "./lib/stats.ts";
import { output, realKoBinary } from "./lib/commands.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 7) || 7;
const cases = new Set((arg("--cases") ?? "warm,small,multi,big,scale").split(","));
const scaleJobs = arg("--scale-jobs");
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

const realKo = await realKoBinary();

async function timed(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const t0 = performance.now();
  await output(cmd, args, { cwd, env });
  return performance.now() - t0;
}

const APP = (pkg: string, n: number, extra = "") =>
  `package main

import "fmt"
${extra}
const version = "v${n}"

func main() { fmt.Println("${pkg}", version${extra ? ", len(data)" : ""}) }
`;

/** Deterministic data that compresses about like a Go binary. */
function binaryLike(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 2463534242;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // Mostly small values, some runs: roughly half of it compresses away.
    out[i] = (x >>> 0) % 7 === 0 ? (x >>> 8) & 0xff : (x >>> 24) & 0x0f;
  }
  return out;
}

type Who = "ours" | "ko" | "floor";
const WHO: Who[] = ["ours", "ko", "floor"];

interface CaseResult {
  name: string;
  samples: Record<Who, number[]>;
}

await using registry = await startRegistry({ storage: "filesystem" });
const bases = await pushFixtureBases(registry);
const work = await Deno.makeTempDir({ prefix: "ko-bench-vs-ko-" });
const baseEnv = {
  ...Deno.env.toObject(),
  KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
  DENO_NO_UPDATE_CHECK: "1",
};
const results: CaseResult[] = [];
const extras: string[] = [];

/** Writes a module with main packages `cmd/<name>`, returns its directory. */
async function module(name: string, files: Record<string, string | Uint8Array>) {
  const dir = join(work, name);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "go.mod"), `module example.com/${name}\n\ngo 1.22\n`);
  for (const [rel, content] of Object.entries(files)) {
    await Deno.mkdir(join(dir, rel, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(join(dir, rel), content);
    else await Deno.writeFile(join(dir, rel), content);
  }
  return dir;
}

/**
 * One case: `edit(who, n)` prepares round n for `who` (or nothing for warm); `command(who)`
 * is what runs. Rounds rotate who goes first.
 */
async function measure(
  name: string,
  edit: ((who: Who, n: number) => Promise<void>) | undefined,
  command: (who: Who) => [string, string[], string, Record<string, string>] | undefined,
) {
  const samples: Record<Who, number[]> = { ours: [], ko: [], floor: [] };
  for (let i = -1; i < runs; i++) { // round -1 warms caches and registries
    const order = [...WHO.slice((i + 3) % 3), ...WHO.slice(0, (i + 3) % 3)];
    for (const who of order) {
      const c = command(who);
      if (!c) continue;
      await edit?.(who, i + 2);
      const ms = await timed(...c);
      if (i >= 0) samples[who].push(ms);
    }
  }
  results.push({ name, samples });
  console.error(`${name}: done`);
}

const ko = (who: Who, args: string[], cwd: string, env: Record<string, string>) =>
  who === "ours"
    ? [deno, ["run", "-A", join(root, "main.ts"), ...args], cwd, env] as [
      string,
      string[],
      string,
      Record<string, string>,
    ]
    : [realKo, args, cwd, env] as [string, string[], string, Record<string, string>];

try {
  // 1–3: a small app.
  const small = await module("small", {});
  const repoEnv = (who: Who) => ({ ...baseEnv, KO_DOCKER_REPO: `${registry.host}/${who}` });
  await Deno.writeTextFile(join(small, "main.go"), APP("small", 0));
  const editSmall = async (who: Who, n: number) => {
    await Deno.writeTextFile(join(small, "main.go"), APP("small", n * 10 + WHO.indexOf(who)));
  };
  const floor = (platforms: string[]) => {
    const env = (p: string) => {
      const [os, arch, variant] = p.split("/");
      return {
        ...baseEnv,
        CGO_ENABLED: "0",
        GOOS: os!,
        GOARCH: arch!,
        ...(variant ? { GOARM: variant.slice(1) } : {}),
      };
    };
    return platforms.map((p) => env(p));
  };
  if (cases.has("warm")) {
    await editSmall("ours", 0);
    await measure(
      "warm, nothing changed",
      undefined,
      (who) => who === "floor" ? undefined : ko(who, ["build", "."], small, repoEnv(who)),
    );
  }
  if (cases.has("small")) {
    await measure(
      "one-line edit, 1 platform, small app",
      editSmall,
      (who) =>
        who === "floor"
          ? [
            "go",
            ["build", "-trimpath", "-o", join(work, "floor-small"), "."],
            small,
            floor([
              "linux/amd64",
            ])[0]!,
          ]
          : ko(who, ["build", "."], small, repoEnv(who)),
    );
  }
  if (cases.has("multi")) {
    const platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
    // The floor builds the three platforms in parallel, as both tools do.
    const script = join(work, "floor3.sh");
    await Deno.writeTextFile(
      script,
      platforms.map((p, i) => {
        const e = floor([p])[0]!;
        return `GOOS=${e.GOOS} GOARCH=${e.GOARCH} ${e.GOARM ? `GOARM=${e.GOARM} ` : ""}` +
          `CGO_ENABLED=0 go build -trimpath -o ${join(work, `floor3-${i}`)} . &`;
      }).join("\n") + "\nwait\n",
    );
    await measure(
      "one-line edit, linux/amd64, arm64, arm/v7",
      editSmall,
      (who) =>
        who === "floor"
          ? ["sh", [script], small, baseEnv]
          : ko(who, ["build", `--platform=${platforms.join(",")}`, "."], small, repoEnv(who)),
    );
  }
  if (cases.has("big")) {
    const big = await module("big", { "data.bin": binaryLike(25_000_000) });
    const bigApp = (n: number) =>
      APP("big", n, '\nimport _ "embed"\n\n//go:embed data.bin\nvar data []byte\n');
    await Deno.writeTextFile(join(big, "main.go"), bigApp(0));
    const editBig = async (who: Who, n: number) => {
      await Deno.writeTextFile(join(big, "main.go"), bigApp(n * 10 + WHO.indexOf(who)));
    };
    await measure(
      "one-line edit, app embedding 25 MB",
      editBig,
      (who) =>
        who === "floor"
          ? [
            "go",
            ["build", "-trimpath", "-o", join(work, "floor-big"), "."],
            big,
            floor([
              "linux/amd64",
            ])[0]!,
          ]
          : ko(who, ["build", "."], big, repoEnv(who)),
    );
    // Compressed size of the binary layer, and peak memory, of one more build each.
    for (const who of ["ours", "ko"] as Who[]) {
      await editBig(who, 999);
      const [cmd, args, cwd, env] = ko(who, ["build", "."], big, repoEnv(who));
      const out = await new Deno.Command("/usr/bin/time", {
        args: ["-v", cmd, ...args],
        cwd,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? NaN);
      const ref = new TextDecoder().decode(out.stdout).trim();
      const manifest = JSON.parse(
        await output("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]),
      );
      const child = manifest.manifests
        ? manifest.manifests.find((m: { platform?: { architecture: string } }) =>
          m.platform?.architecture === "amd64"
        )
        : undefined;
      const image = child
        ? JSON.parse(
          await output("skopeo", [
            "inspect",
            "--raw",
            "--tls-verify=false",
            `docker://${ref.split("@")[0]}@${child.digest}`,
          ]),
        )
        : manifest;
      const sizes = image.layers.map((l: { size: number }) => l.size);
      extras.push(
        `${who}: binary layer ${(Math.max(...sizes) / 1e6).toFixed(2)} MB compressed, peak RSS ${
          (rss / 1024).toFixed(0)
        } MB`,
      );
    }
  }
  if (cases.has("scale")) {
    for (const n of [6, 12, 24]) {
      const files: Record<string, string> = {
        "lib/lib.go": 'package lib\n\nconst Name = "v0"\n',
      };
      for (let i = 0; i < n; i++) {
        files[`cmd/app${i}/main.go`] =
          `package main\n\nimport (\n\t"fmt"\n\t"example.com/scale${n}/lib"\n)\n\nfunc main() { fmt.Println(${i}, lib.Name) }\n`;
      }
      files["config.yaml"] = Array.from(
        { length: n },
        (_, i) =>
          `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app${i}\nspec:\n  containers:\n  - name: app\n    image: ko://example.com/scale${n}/cmd/app${i}\n`,
      ).join("---\n");
      const dir = await module(`scale${n}`, files);
      const editLib = async (who: Who, r: number) => {
        await Deno.writeTextFile(
          join(dir, "lib/lib.go"),
          `package lib\n\nconst Name = "v${r * 10 + WHO.indexOf(who)}"\n`,
        );
      };
      const jobs = (who: Who) => who === "ours" && scaleJobs ? ["--jobs", scaleJobs] : [];
      const resolve = (who: Who) =>
        ko(who, ["resolve", "-f", "config.yaml", ...jobs(who)], dir, repoEnv(who));
      await measure(
        `scale: resolve ${n} apps after a library edit`,
        editLib,
        (who) => who === "floor" ? undefined : resolve(who),
      );
    }
  }

  const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(`ours vs ko v0.19.1, medians of ${runs} rounds, ${new Date().toISOString()}`);
  console.log(
    "| case | ours | ko | floor | our overhead | ko's overhead | overhead ratio | total ratio |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const o = median(r.samples.ours), k = median(r.samples.ko);
    const f = r.samples.floor.length ? median(r.samples.floor) : undefined;
    const oo = f === undefined ? undefined : o - f, ko_ = f === undefined ? undefined : k - f;
    console.log(
      `| ${r.name} | ${fmt(o)} | ${fmt(k)} | ${f === undefined ? "—" : fmt(f)} | ${
        oo === undefined ? "—" : `${oo.toFixed(0)} ms`
      } | ${ko_ === undefined ? "—" : `${ko_.toFixed(0)} ms`} | ${
        oo === undefined || ko_ === undefined ? "—" : `${(oo / ko_).toFixed(2)}×`
      } | ${(o / k).toFixed(2)}× |`,
    );
  }
  for (const e of extras) console.log(e);
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

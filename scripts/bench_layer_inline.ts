/**
 * Where gzip layers should be compressed: on the calling thread (inline) or in the worker
 * pool, measured as a warm `ko build` meets it — a fresh process that has just loaded its
 * modules, with no worker started yet. For each size, fresh `deno run` processes build one
 * layer of a Go binary's bytes (a real binary repeated or cut to size) inline or in the
 * workers; the time reported is from just before `buildLayer` to its end (worker start-up
 * included), median of N runs, and the main thread's CPU time for it is shown too. Sizes where
 * inline wins are the ones src/layer/compress.ts's INLINE_MAX should cover.
 *
 * Usage: deno run -A scripts/bench_layer_inline.ts [--runs N] [--sizes 0.25,1,2,4,8,16]
 */
import { buildLayer, type BuildLayerOptions } from "../src/layer/compress.ts";
import { closeLayerPool } from "../src/layer/worker_pool.ts";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : fallback;
};

if (Deno.args[0] === "--child") {
  // One measurement: build the layer of `path` inline or in the workers; print ms.
  const [, path, mode] = Deno.args as [string, string, "inline" | "workers"];
  const options: BuildLayerOptions = { inline: mode === "inline" };
  const cpu0 = threadCpuMs();
  const t0 = performance.now();
  await buildLayer([
    { type: "dir", name: "ko-app", mode: 0o555 },
    { type: "file", name: "/ko-app/app", mode: 0o555, path },
  ], options);
  const ms = performance.now() - t0;
  const cpu = threadCpuMs() - cpu0;
  closeLayerPool();
  console.log(JSON.stringify({ ms, cpu }));
  Deno.exit(0);
}

/** CPU time of the calling (main) thread so far, from Linux's schedstat. */
function threadCpuMs(): number {
  return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
}

const runs = Math.max(3, Number(arg("runs", "7")) || 7);
const sizes = arg("sizes", "0.25,0.5,1,2,4,8,16").split(",").map(Number);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A real Go binary to take bytes from (go build of a small net/http program). */
async function goBinary(dir: string): Promise<Uint8Array> {
  await Deno.writeTextFile(`${dir}/go.mod`, "module example.com/b\n\ngo 1.22\n");
  await Deno.writeTextFile(
    `${dir}/main.go`,
    'package main\n\nimport (\n\t"log"\n\t"net/http"\n)\n\nfunc main() { log.Fatal(http.ListenAndServe(":8080", nil)) }\n',
  );
  const out = await new Deno.Command("go", {
    args: ["build", "-trimpath", "-o", "bin", "."],
    cwd: dir,
    env: { CGO_ENABLED: "0" },
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return await Deno.readFile(`${dir}/bin`);
}

const dir = await Deno.makeTempDir({ prefix: "ko-bench-inline-" });
try {
  const source = await goBinary(dir);
  const self = new URL(import.meta.url).pathname;
  console.log(
    `gzip layer of a Go binary's bytes, fresh process, median of ${runs} runs (${navigator.hardwareConcurrency} CPUs, load ${
      Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
    }), ${new Date().toISOString()}`,
  );
  console.log("| size MiB | inline ms | inline cpu ms | workers ms | workers cpu ms | faster |");
  console.log("|---|---|---|---|---|---|");
  for (const mib of sizes) {
    const bytes = new Uint8Array(Math.round(mib * (1 << 20)));
    for (let off = 0; off < bytes.length; off += source.length) {
      bytes.set(source.subarray(0, Math.min(source.length, bytes.length - off)), off);
    }
    const path = `${dir}/layer-${mib}`;
    await Deno.writeFile(path, bytes);
    const results = { inline: [] as number[], workers: [] as number[] };
    const cpus = { inline: [] as number[], workers: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ["inline", "workers"] as const) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", self, "--child", path, mode],
          stdout: "piped",
          stderr: "inherit",
        }).output();
        const r = JSON.parse(new TextDecoder().decode(out.stdout));
        results[mode].push(r.ms);
        cpus[mode].push(r.cpu);
      }
    }
    const i = median(results.inline), w = median(results.workers);
    console.log(
      `| ${mib} | ${i.toFixed(1)} | ${median(cpus.inline).toFixed(0)} | ${w.toFixed(1)} | ${
        median(cpus.workers).toFixed(0)
      } | ${i <= w ? "inline" : "workers"} |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

/**
 * Benchmark of layer building (src/layer): tar + compression + both sha256 of a ~50 MB Go
 * binary, against the targets ≥ 150 MB/s, peak RSS ≤ 1.5 × binary + 100 MB, and a gzip size
 * within 5% of Go's compress/gzip BestSpeed (what ko uses) on the same tar.
 *
 *   deno run -A scripts/bench_layer.ts [BINARY] [--runs N] [--levels]
 *
 * Without BINARY it builds one: a program referencing every exported function and type of
 * the standard library, built optimised and unoptimised (-N -l), the two real Go binaries
 * concatenated (~50 MB; one program alone is ~24 MB). Each measurement runs in a fresh
 * `deno run` subprocess so its peak RSS (VmHWM) is its own. `--levels` adds gzip and zstd
 * levels 1–3 (how the defaults were chosen).
 */
import { buildLayer, GZIP_LEVEL, ZSTD_LEVEL } from "../src/layer/compress.ts";
import type { LayerEntry } from "../src/layer/entry.ts";
import { WorkerPool } from "../src/layer/worker_pool.ts";

interface ChildResult {
  ms: number;
  size: number;
  diffId: string;
  rssMb: number;
}

const MB = 1e6;
const entriesFor = (path: string): LayerEntry[] => [
  { type: "dir", name: "ko-app", mode: 0o555 },
  { type: "file", name: "/ko-app/app", mode: 0o555, path },
];

// --- child: one measurement in this process ----------------------------------------------

async function child(spec: string, binary: string): Promise<void> {
  const [compression, level, poolSize, shape] = spec.split(":") as [
    "gzip" | "zstd" | "none",
    string,
    string,
    "one" | "seq" | "par",
  ];
  const pool = new WorkerPool({ size: Number(poolSize) });
  const opts = {
    compression: compression === "none" ? "gzip" as const : compression,
    level: Number(level),
    pool,
  };
  // Start the workers outside the timing, as a build does while `go build` runs.
  await Promise.all(
    Array.from(
      { length: pool.size },
      () => pool.run({ op: "deflate", data: new Uint8Array(1), level: 1, last: true }),
    ),
  );
  let size = 0;
  let diffId = "";
  const t = performance.now();
  if (compression !== "none") {
    const one = () => buildLayer(entriesFor(binary), opts);
    const built = shape === "one"
      ? [await one()]
      : shape === "seq"
      ? [await one(), await one()]
      : await Promise.all([one(), one()]);
    size = built[0]!.size;
    diffId = built[0]!.diffId;
  }
  const ms = performance.now() - t;
  pool.close();
  const status = await Deno.readTextFile("/proc/self/status").catch(() => ""); // Linux only
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  const result: ChildResult = { ms, size, diffId, rssMb: Number(hwm?.[1] ?? 0) / 1024 };
  console.log(JSON.stringify(result));
}

async function runChild(spec: string, binary: string): Promise<ChildResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", spec, binary],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) throw new Error(`benchmark child ${spec} failed`);
  return JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").pop()!);
}

// --- Go: the bench binary and the reference gzip -----------------------------------------

const GEN_GO = `package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \\",\\"}}", "std").Output()
	if err != nil {
		panic(err)
	}
	var imports, refs []string
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\\n") {
		f := strings.SplitN(line, "|", 3)
		p := f[0]
		if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") || strings.HasPrefix(p, "runtime/") ||
			p == "unsafe" || p == "plugin" || p == "syscall/js" || f[2] == "" {
			continue
		}
		alias := fmt.Sprintf("p%d", i)
		seen := map[string]bool{}
		for _, name := range strings.Split(f[2], ",") {
			file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(f[1], name), nil, 0)
			if err != nil || file.Name.Name == "main" {
				continue
			}
			for _, d := range file.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil && !seen[d.Name.Name] {
						seen[d.Name.Name] = true
						refs = append(refs, alias+"."+d.Name.Name+",")
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						ts, ok := s.(*ast.TypeSpec)
						if !ok || !ts.Name.IsExported() || ts.TypeParams != nil || ts.Assign.IsValid() || seen[ts.Name.Name] {
							continue
						}
						if _, iface := ts.Type.(*ast.InterfaceType); iface {
							continue
						}
						seen[ts.Name.Name] = true
						refs = append(refs, "new("+alias+"."+ts.Name.Name+"),")
					}
				}
			}
		}
		if len(seen) > 0 {
			imports = append(imports, fmt.Sprintf("%s %q", alias, p))
		}
	}
	fmt.Printf("package main\\n\\nimport (\\n\\"fmt\\"\\n\\"os\\"\\n\\"reflect\\"\\n%s\\n)\\n\\nvar keep = []any{\\n%s\\n}\\n\\n", strings.Join(imports, "\\n"), strings.Join(refs, "\\n"))
	fmt.Println("func main() {\\n\\tfor _, k := range keep {\\n\\t\\tif len(os.Args) > 1 {\\n\\t\\t\\t_ = reflect.ValueOf(k).MethodByName(os.Args[1])\\n\\t\\t}\\n\\t}\\n\\tfmt.Println(len(keep))\\n}")
}
`;

const GZIP_GO = `package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"time"
)

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// Writes ko's binary layer tar for os.Args[1] through compress/gzip BestSpeed, as ko does.
func main() {
	f, _ := os.Open(os.Args[1])
	st, _ := f.Stat()
	start := time.Now()
	gzCount, tarHash := &counter{}, sha256.New()
	zw, _ := gzip.NewWriterLevel(gzCount, gzip.BestSpeed)
	tw := tar.NewWriter(io.MultiWriter(zw, tarHash))
	tw.WriteHeader(&tar.Header{Name: "ko-app", Typeflag: tar.TypeDir, Mode: 0555})
	tw.WriteHeader(&tar.Header{Name: "/ko-app/app", Typeflag: tar.TypeReg, Mode: 0555, Size: st.Size()})
	io.Copy(tw, f)
	tw.Close()
	zw.Close()
	fmt.Printf("{\\"ms\\":%f,\\"size\\":%d,\\"diffId\\":\\"sha256:%x\\",\\"rssMb\\":0}\\n", float64(time.Since(start).Microseconds())/1000, gzCount.n, tarHash.Sum(nil))
}
`;

async function go(args: string[], cwd: string): Promise<string> {
  const r = await new Deno.Command("go", { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`go ${args.join(" ")}: ${new TextDecoder().decode(r.stderr).slice(0, 2000)}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/** Builds (once, cached in the temp dir) the ~50 MB benchmark binary. */
async function benchBinary(): Promise<string> {
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/ko-bench-layer`;
  const out = `${dir}/bench-bin`;
  try {
    await Deno.stat(out);
    return out;
  } catch { /* build it */ }
  console.error("building the benchmark binary (once; about a minute)…");
  await Deno.mkdir(`${dir}/gen`, { recursive: true });
  await Deno.mkdir(`${dir}/app`, { recursive: true });
  await Deno.writeTextFile(`${dir}/gen/main.go`, GEN_GO);
  await Deno.writeTextFile(`${dir}/app/main.go`, await go(["run", "main.go"], `${dir}/gen`));
  await Deno.writeTextFile(`${dir}/app/go.mod`, "module benchbin\n\ngo 1.22\n");
  // A few references may not compile on this platform: drop those lines and retry.
  for (let i = 0; i < 5; i++) {
    try {
      await go(["build", "-gcflags=-e", "-o", "/dev/null", "."], `${dir}/app`);
      break;
    } catch (err) {
      const bad = new Set([...String(err).matchAll(/main\.go:(\d+):/g)].map((m) => Number(m[1])));
      if (bad.size === 0) throw err;
      const lines = (await Deno.readTextFile(`${dir}/app/main.go`)).split("\n");
      await Deno.writeTextFile(
        `${dir}/app/main.go`,
        lines.filter((_, n) => !bad.has(n + 1)).join("\n"),
      );
    }
  }
  await go(["build", "-trimpath", "-o", `${dir}/opt`, "."], `${dir}/app`);
  await go(["build", "-trimpath", "-gcflags=all=-N -l", "-o", `${dir}/noopt`, "."], `${dir}/app`);
  const joined = await Deno.open(`${out}.tmp`, { write: true, create: true, truncate: true });
  for (const part of ["opt", "noopt"]) {
    const f = await Deno.open(`${dir}/${part}`);
    await f.readable.pipeTo(joined.writable, { preventClose: true });
  }
  joined.close();
  await Deno.rename(`${out}.tmp`, out);
  return out;
}

async function goReference(binary: string): Promise<ChildResult> {
  const dir = await Deno.makeTempDir({ prefix: "ko-bench-gzip-" });
  try {
    await Deno.writeTextFile(`${dir}/main.go`, GZIP_GO);
    await go(["build", "-o", `${dir}/gz`, "main.go"], dir);
    const r = await new Deno.Command(`${dir}/gz`, { args: [binary], stdout: "piped" }).output();
    return JSON.parse(new TextDecoder().decode(r.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// --- main ----------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(spec: string, binary: string, runs: number) {
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runChild(spec, binary));
  return {
    ms: median(results.map((r) => r.ms)),
    rssMb: Math.max(...results.map((r) => r.rssMb)),
    size: results[0]!.size,
    diffId: results[0]!.diffId,
  };
}

async function main(): Promise<void> {
  const args = [...Deno.args];
  if (args[0] === "--child") return await child(args[1]!, args[2]!);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
  };
  const levels = args.includes("--levels");
  if (levels) args.splice(args.indexOf("--levels"), 1);
  const runs = Number(flag("--runs") ?? 5);
  const binary = args[0] ?? await benchBinary();
  const binSize = (await Deno.stat(binary)).size;
  const cores = navigator.hardwareConcurrency;
  const pool = new WorkerPool().size;
  const goRefs: ChildResult[] = [];
  for (let i = 0; i < runs; i++) goRefs.push(await goReference(binary));
  const goRef = { ...goRefs[0]!, ms: median(goRefs.map((r) => r.ms)) };
  const base = await measure(`none:0:${pool}:one`, binary, 1);

  console.log(
    `input ${binary}: ${(binSize / MB).toFixed(1)} MB; ${runs} runs each (median time, ` +
      `max peak RSS); ${cores} cores, pool of ${pool}; Deno ${Deno.version.deno}`,
  );
  console.log(
    `baseline peak RSS of a Deno process with the pool started: ${base.rssMb.toFixed(0)} MB`,
  );
  const header = ["case", "ms", "MB/s", "peak RSS MB", "size MB", "vs Go L1"];
  const rows: string[][] = [];
  const row = (name: string, r: { ms: number; rssMb: number; size: number }, bytes = binSize) =>
    rows.push([
      name,
      r.ms.toFixed(0),
      (bytes / MB / (r.ms / 1000)).toFixed(0),
      r.rssMb ? r.rssMb.toFixed(0) : "-",
      (r.size / MB).toFixed(2),
      `${((r.size / goRef.size - 1) * 100).toFixed(1)}%`,
    ]);

  const gzip = await measure(`gzip:${GZIP_LEVEL}:${pool}:one`, binary, runs);
  row(`gzip level ${GZIP_LEVEL}, pool of ${pool} (default)`, gzip);
  if (pool > 1) {
    row(
      `gzip level ${GZIP_LEVEL}, one worker`,
      await measure(`gzip:${GZIP_LEVEL}:1:one`, binary, runs),
    );
  }
  const zstd = await measure(`zstd:${ZSTD_LEVEL}:${pool}:one`, binary, runs);
  row(`zstd level ${ZSTD_LEVEL} (default)`, zstd);
  if (levels) {
    for (const c of ["gzip", "zstd"]) {
      for (const l of [1, 2, 3]) {
        row(`${c} level ${l}`, await measure(`${c}:${l}:${pool}:one`, binary, runs));
      }
    }
  }
  row("Go compress/gzip BestSpeed (ko)", goRef);
  const seq = await measure(`gzip:${GZIP_LEVEL}:${pool}:seq`, binary, runs);
  const par = await measure(`gzip:${GZIP_LEVEL}:${pool}:par`, binary, runs);
  row("two gzip layers, one after another", seq, 2 * binSize);
  row("two gzip layers, concurrently", par, 2 * binSize);
  const zseq = await measure(`zstd:${ZSTD_LEVEL}:${pool}:seq`, binary, runs);
  const zpar = await measure(`zstd:${ZSTD_LEVEL}:${pool}:par`, binary, runs);
  row("two zstd layers, one after another", zseq, 2 * binSize);
  row("two zstd layers, concurrently", zpar, 2 * binSize);

  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));

  const mbps = binSize / MB / (gzip.ms / 1000);
  const rssLimit = 1.5 * binSize / MB + 100;
  const ratio = gzip.size / goRef.size;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `concurrent / sequential wall time: gzip ${(par.ms / seq.ms).toFixed(2)}, zstd ${
      (zpar.ms / zseq.ms).toFixed(2)
    }`,
  );
  console.log(`diff_id equals Go archive/tar's: ${gzip.diffId === goRef.diffId ? "yes" : "NO"}`);
  console.log(
    `target ≥ 150 MB/s (gzip): ${mbps.toFixed(0)} MB/s, ${verdict(mbps >= 150)} ` +
      `(Go's own BestSpeed here: ${(binSize / MB / (goRef.ms / 1000)).toFixed(0)} MB/s)`,
  );
  console.log(
    `target peak RSS ≤ ${rssLimit.toFixed(0)} MB: ${gzip.rssMb.toFixed(0)} MB, ${
      verdict(gzip.rssMb <= rssLimit)
    }`,
  );
  console.log(
    `target size within 5% of Go level 1: ${((ratio - 1) * 100).toFixed(1)}%, ${
      verdict(Math.abs(ratio - 1) <= 0.05)
    }`,
  );
}

if (import.meta.main) await main();

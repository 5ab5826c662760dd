/**
 * `ko resolve -f` of one large YAML stream (about 50 MB, tests/helpers/large_yaml.ts: a few
 * thousand documents, big literal blocks and many small entries, anchors and aliases,
 * comments, a few 1 MB strings, and a few hundred `ko://` references to 5 apps of a small Go
 * module), ours against real ko v0.19.1 (built once from the Go module proxy), on a real
 * registry (Debian's docker-registry, started here) with the same base image (a fixture pushed
 * to it) and `--sbom=none`.
 *
 * A warm-up run of each builds and pushes the apps, so the measured runs find Go's build
 * cache warm and every blob in the registry: what is left is mostly reading, rewriting and
 * writing the YAML. Rounds rotate who goes first. Reported: medians of wall time, of CPU time
 * (user + system, GNU time; steadier than wall time on a busy machine) and of peak RSS (GNU
 * time's maximum resident set size: the largest process of the tree).
 *
 * The outputs of the last round are compared document by document as values (go-yaml
 * re-encodes, we keep the text as written, so bytes differ by design; ko-behaviour.md §9.2),
 * with image digests masked: ours and ko's images of the same app need not have the same
 * digest.
 *
 * Usage: deno run -A scripts/bench_resolve_large.ts [--runs N] [--mb N] [--every N]
 *          [--literal-every N] [--before DIR]
 *   --every N     one document in N is a Deployment with 4 references (default 70)
 *   --literal-every N  one ConfigMap in N has a big literal block, the others many small
 *                 entries (default 3; a large N gives a stream of many small nodes)
 *   --before DIR  also measure the main.ts of another checkout (e.g. `git archive` of an
 *                 earlier commit unpacked there) in the same rounds, as "ours before"
 */
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { Composer, type Document, Parser } from "../src/deps/yaml.ts";
import { startRegistry } from "../tests/helpers/registry_server.ts";
import { pushFixtureBases } from "../tests/helpers/fixtures.ts";
import { writeGoApp } from "../tests/helpers/go_app.ts";
import { largeManifest } from "../tests/helpers/large_yaml.ts";
import { median } from "./lib/stats.ts";
import { realKoBinary } from "./lib/commands.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const runs = Math.max(1, Number(arg("--runs") ?? 3) || 3);
const megabytes = Number(arg("--mb") ?? 50) || 50;
const root = new URL("..", import.meta.url).pathname;
const every = Math.max(2, Number(arg("--every") ?? 70) || 70);
const before = arg("--before");
const literalEvery = Math.max(1, Number(arg("--literal-every") ?? 3) || 3);
const MODULE = "example.com/large";
const APPS = ["alpha", "bravo", "charlie", "delta", "echo"];

const realKo = await realKoBinary();

type Who = "ours" | "before" | "ko";
const WHO: Who[] = before ? ["ours", "before", "ko"] : ["ours", "ko"];
const LABEL: Record<Who, string> = { ours: "ours", before: "ours before", ko: "ko v0.19.1" };
interface Sample {
  ms: number;
  /** User plus system CPU time of the process tree (less sensitive to a busy machine). */
  cpuMs: number;
  rssMb: number;
}

/** Runs one resolve under GNU time, its output going to `out`. */
async function run(
  who: Who,
  dir: string,
  env: Record<string, string>,
  out: string,
): Promise<Sample> {
  const tool = who === "ko"
    ? [realKo]
    : [Deno.execPath(), "run", "-A", "--quiet", join(who === "ours" ? root : before!, "main.ts")];
  const timeFile = join(dir, `time-${who}.txt`);
  const t0 = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "%M %U %S",
      "-o",
      timeFile,
      ...tool,
      "resolve",
      "--sbom=none",
      "-f",
      "manifest.yaml",
    ],
    cwd: dir,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  const [status, , stderr] = await Promise.all([
    child.status,
    child.stdout.pipeTo(file.writable),
    new Response(child.stderr).text(),
  ]);
  const ms = performance.now() - t0;
  if (!status.success) throw new Error(`${who} resolve failed:\n${stderr.slice(-4000)}`);
  const [kb, user, sys] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  return { ms, cpuMs: (user! + sys!) * 1000, rssMb: kb! / 1024 };
}

/** The documents of a stream one at a time (never the whole stream's trees at once). */
function* documents(text: string): Generator<Document.Parsed> {
  const composer = new Composer({ uniqueKeys: false });
  for (const token of new Parser().parse(text)) yield* composer.next(token);
  yield* composer.end();
}

const DIGEST = /@sha256:[0-9a-f]{64}/g;

/** A document's value with image digests masked; undefined for null documents. */
function valueOf(doc: Document.Parsed): unknown {
  if (doc.errors.length > 0) throw new Error(`output does not parse: ${doc.errors[0]!.message}`);
  const mask = (v: unknown): unknown =>
    typeof v === "string"
      ? v.replace(DIGEST, "@sha256:…")
      : Array.isArray(v)
      ? v.map(mask)
      : v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [mask(k) as string, mask(x)]))
      : v;
  const value = doc.toJS({ maxAliasCount: -1 });
  return value === null ? undefined : mask(value);
}

/** Compares two outputs as documents: how many, and the first that differs. */
function compare(a: string, b: string): { count: number; differences: string[] } {
  const left = documents(a);
  const right = documents(b);
  const differences: string[] = [];
  let count = 0;
  const next = (it: Generator<Document.Parsed>) => {
    for (let r = it.next(); !r.done; r = it.next()) {
      const v = valueOf(r.value);
      if (v !== undefined) return { value: v };
    }
    return undefined;
  };
  for (;;) {
    const l = next(left);
    const r = next(right);
    if (!l && !r) break;
    count++;
    if (!l || !r) {
      differences.push(`document ${count}: only in ${l ? "ours" : "ko's"} output`);
      break;
    }
    if (!isDeepStrictEqual(l.value, r.value)) {
      differences.push(
        `document ${count}: ${JSON.stringify(l.value).slice(0, 200)} ≠ ${
          JSON.stringify(r.value).slice(0, 200)
        }`,
      );
      if (differences.length >= 5) break;
    }
  }
  return { count, differences };
}

await using registry = await startRegistry({ storage: "filesystem" });
const bases = await pushFixtureBases(registry);
const dir = await Deno.makeTempDir({ prefix: "ko-bench-resolve-large-" });
try {
  const files: Record<string, string> = {};
  for (const app of APPS) {
    files[`cmd/${app}/main.go`] =
      `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("${app}") }\n`;
  }
  await writeGoApp(dir, { module: MODULE, files });
  const manifest = largeManifest({
    bytes: megabytes * 1_000_000,
    refs: APPS.map((a) => `ko://${MODULE}/cmd/${a}`),
    deploymentEvery: every,
    literalEvery,
  });
  await Deno.writeTextFile(join(dir, "manifest.yaml"), manifest);
  const documentCount = manifest.split("\n---\n").length;
  const referenceCount = manifest.match(/ko:\/\//g)?.length ?? 0;
  const env = {
    ...Deno.env.toObject(),
    KO_DOCKER_REPO: `${registry.host}/large`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    DENO_NO_UPDATE_CHECK: "1",
  };
  const outputs = Object.fromEntries(WHO.map((w) => [w, join(dir, `out-${w}.yaml`)]));
  const samples: Record<Who, Sample[]> = { ours: [], before: [], ko: [] };
  for (let i = -1; i < runs; i++) { // round -1 builds, pushes and warms caches
    const shift = (i + WHO.length) % WHO.length;
    const order = [...WHO.slice(shift), ...WHO.slice(0, shift)];
    for (const who of order) {
      const s = await run(who, dir, env, outputs[who]!);
      if (i >= 0) samples[who].push(s);
      console.error(
        `round ${i + 1}: ${who} ${(s.ms / 1000).toFixed(1)} s, CPU ${
          (s.cpuMs / 1000).toFixed(1)
        } s, ${s.rssMb.toFixed(0)} MB`,
      );
    }
  }
  const [ours, ko] = await Promise.all([
    Deno.readTextFile(outputs.ours!),
    Deno.readTextFile(outputs.ko!),
  ]);
  const sameAsBefore = before
    ? (await Deno.readTextFile(outputs.before!)).replace(DIGEST, "") === ours.replace(DIGEST, "")
    : undefined;
  const left = ours.match(/ko:\/\//g)?.length ?? 0;
  const { count, differences } = compare(ours, ko);

  console.log(
    `resolve -f of ${(manifest.length / 1e6).toFixed(1)} MB: ${documentCount} documents, ` +
      `${referenceCount} ko:// references to ${APPS.length} apps; medians of ${runs} rounds; ` +
      `${navigator.hardwareConcurrency} CPUs; ${new Date().toISOString()}`,
  );
  console.log("| | wall time | CPU time | peak RSS |");
  console.log("|---|---|---|---|");
  for (const who of WHO) {
    const ms = median(samples[who].map((s) => s.ms));
    const cpu = median(samples[who].map((s) => s.cpuMs));
    const mb = median(samples[who].map((s) => s.rssMb));
    console.log(
      `| ${LABEL[who]} | ${(ms / 1000).toFixed(2)} s | ${(cpu / 1000).toFixed(2)} s | ${
        mb.toFixed(0)
      } MB |`,
    );
  }
  console.log(
    `outputs: ${count} documents each side, ${
      differences.length === 0 ? "all equal as values" : `${differences.length} differ`
    } (digests masked); ko:// left in ours: ${left}; bytes: ours ${ours.length}, ko ${ko.length}`,
  );
  for (const d of differences) console.log(`  ${d}`);
  if (sameAsBefore !== undefined) {
    console.log(`ours and ours before: ${sameAsBefore ? "byte-identical" : "DIFFERENT"} output`);
  }
  if (differences.length > 0 || left > 0 || sameAsBefore === false) Deno.exitCode = 1;
} finally {
  await Deno.remove(dir, { recursive: true });
}

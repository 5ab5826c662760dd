/**
 * Start-up of ko through the launcher (`./ko`), side by side with Deno's own start-up:
 *
 *   - `deno run` of an empty module (in a temporary directory, no configuration): the floor;
 *   - `deno run <the launcher's flags> main.ts version`: what the launcher runs, without it;
 *   - `./ko version` and `./ko --help`, through the launcher, from another directory;
 *   - with `--real-ko`, ko v0.19.1's `ko version` (built once from the Go module proxy).
 *
 * Every round runs each command once, in a rotating order, so all see the same load; the
 * figures are medians. Targets: `ko version` and `ko --help` within 1.5× the empty module, and
 * the launcher within 5 ms of the `deno run` it executes.
 *
 * Usage: deno run -A scripts/bench_startup.ts [--runs N] [--real-ko]
 */
import { join } from "node:path";
import { median } from "./lib/stats.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 41) || 41;
const root = new URL("..", import.meta.url).pathname;
const launcher = join(root, "ko");

/** The flags the launcher gives `deno run`, read from its `exec` line. */
async function launcherFlags(): Promise<string[]> {
  const text = await Deno.readTextFile(launcher);
  const m = /exec "\$deno" run (.*?) "\$root\/main\.ts" "\$@"/.exec(text);
  if (!m) throw new Error(`cannot find the deno run line in ${launcher}`);
  return m[1]!.split(/\s+/);
}

/** The Deno the launcher runs (it finds or installs it). */
async function pinnedDeno(): Promise<string> {
  const out = await new Deno.Command(join(root, "scripts/ensure-deno.sh"), { stderr: "inherit" })
    .output();
  if (!out.success) throw new Error("scripts/ensure-deno.sh failed");
  return new TextDecoder().decode(out.stdout).trim();
}

async function realKo(): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [join(root, "scripts/install-go-tool.sh"), "ko", "github.com/google/ko", "v0.19.1"],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("building ko v0.19.1 failed");
  return new TextDecoder().decode(out.stdout).trim();
}

const dir = await Deno.makeTempDir({ prefix: "ko-bench-startup-" });
try {
  const deno = await pinnedDeno();
  const empty = join(dir, "empty.ts");
  await Deno.writeTextFile(empty, "");
  const flags = await launcherFlags();
  const cases: Array<[string, string, string[]]> = [
    ["deno run (empty module)", deno, ["run", "-A", "--quiet", "--no-prompt", empty]],
    ["deno run main.ts version", deno, ["run", ...flags, join(root, "main.ts"), "version"]],
    ["./ko version", launcher, ["version"]],
    ["./ko --help", launcher, ["--help"]],
  ];
  if (Deno.args.includes("--real-ko")) {
    cases.push(["ko v0.19.1 version", await realKo(), ["version"]]);
  }

  const env = { ...Deno.env.toObject(), DENO_NO_UPDATE_CHECK: "1" };
  const timed = async (cmd: string, args: string[]) => {
    const t0 = performance.now();
    const out = await new Deno.Command(cmd, {
      args,
      cwd: dir,
      env,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    const ms = performance.now() - t0;
    if (!out.success) {
      throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    }
    return ms;
  };

  for (const [, cmd, args] of cases) await timed(cmd, args); // warm every cache
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < cases.length; k++) {
      const j = (i + k) % cases.length;
      samples[j]!.push(await timed(cases[j]![1], cases[j]![2]));
    }
  }

  const medians = samples.map(median);
  const floor = medians[0]!;
  console.log(`start-up, medians of ${runs} alternating runs (ms), ${new Date().toISOString()}`);
  console.log("| command | median | × empty module |");
  console.log("|---|---|---|");
  cases.forEach(([name], i) => {
    console.log(`| ${name} | ${medians[i]!.toFixed(1)} | ${(medians[i]! / floor).toFixed(2)} |`);
  });
  const overhead = medians[2]! - medians[1]!;
  console.log(
    `launcher overhead (./ko version − deno run main.ts version): ${overhead.toFixed(1)} ms`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}

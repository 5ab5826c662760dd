/**
 * The runner of a run's go builds (src/go/go_runner.ts), with real `go build`s and a stand-in
 * `go` script where a build must be held running: an early build is taken over only for
 * exactly its invocation and stopped otherwise, its lock is handed over once and never left
 * behind, and it counts against `--jobs`.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { lockOutputDir } from "../../src/build/build_output.ts";
import type { GoBuildInvocation } from "../../src/go/go_build.ts";
import { GoRunner } from "../../src/go/go_runner.ts";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { setLogSink, setVerbose } from "../../src/util/log.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { tempDir } from "../helpers/tools.ts";

/** Go's build cache, which an XDG_CACHE_HOME of the test's own would otherwise move. */
const GO_CACHE = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOCACHE"], stdout: "piped" }).outputSync().stdout,
).trim();

/** The environment of the tests' real go builds. */
function goEnv(): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "",
    GOCACHE: GO_CACHE,
    GOFLAGS: "-mod=mod",
    CGO_ENABLED: "0",
  };
}

/** A real go build of a small app into `dir/out`. */
async function realPlan(root: string, dir: string): Promise<GoBuildInvocation> {
  const cwd = await writeGoApp(join(root, "src"), {
    module: "example.com/rn",
    files: { "main.go": 'package main\n\nfunc main() { println("rn") }\n' },
  });
  return {
    goPath: "go",
    dir: cwd,
    args: ["build", "-trimpath", "-o", join(dir, "out"), "."],
    env: goEnv(),
  };
}

/**
 * A stand-in go command that runs until `release` exists (so a test decides when it ends), then
 * writes its `-o` file: a build that must be seen running.
 */
async function heldPlan(root: string, dir: string): Promise<{
  plan: GoBuildInvocation;
  release: () => Promise<void>;
}> {
  const go = join(root, "held-go");
  const release = join(root, "release");
  await Deno.writeTextFile(
    go,
    `#!/bin/sh\nwhile [ ! -e '${release}' ]; do sleep 0.02; done\n: > "$3"\n`,
  );
  await Deno.chmod(go, 0o755);
  return {
    plan: { goPath: go, dir: root, args: ["build", "-o", join(dir, "out"), "."], env: {} },
    release: () => Deno.writeTextFile(release, ""),
  };
}

/** Captures the log (debug included) while `fn` runs. */
async function withLog<T>(fn: (lines: string[]) => Promise<T>): Promise<T> {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  setVerbose(true);
  try {
    return await fn(lines);
  } finally {
    setVerbose(false);
    restore();
  }
}

/** Resolves to "timeout" if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms)),
  ]);
}

Deno.test("an early build is taken over only for exactly its invocation", async (t) => {
  await using tmp = await tempDir();
  const dir = join(tmp.path, "out-dir");
  const plan = await realPlan(tmp.path, dir);

  await t.step("the same invocation takes the running build's outcome", async () => {
    const runner = new GoRunner(2);
    try {
      ok(await runner.start(plan, await lockOutputDir(dir)));
      const lock = runner.claimLock(dir);
      ok(lock, "the lock is handed over");
      equal(runner.claimLock(dir), undefined, "once");
      await withLog(async (lines) => {
        await runner.build(plan, { label: "rn for linux/amd64", report: LOG_ONLY });
        ok(
          lines.some((l) => l.includes("taking over the one started at start-up")),
          lines.join("\n"),
        );
        ok(lines.some((l) => l.includes("Building rn for linux/amd64")));
        ok(lines.some((l) => l.includes("Built rn for linux/amd64")));
      });
      ok((await Deno.stat(join(dir, "out"))).isFile);
      lock.release();
    } finally {
      await runner.close();
    }
  });

  await t.step("another invocation stops it and runs itself", async () => {
    const runner = new GoRunner(2);
    try {
      ok(await runner.start(plan, await lockOutputDir(dir)));
      const lock = runner.claimLock(dir)!;
      const other = { ...plan, env: { ...plan.env, GOFLAGS: "-mod=mod -trimpath" } };
      await withLog(async (lines) => {
        await runner.build(other, { label: "rn", report: LOG_ONLY });
        ok(lines.some((l) => l.includes("was not this one; stopping it")), lines.join("\n"));
      });
      lock.release();
    } finally {
      await runner.close();
    }
  });

  await t.step("a build into a directory started already is not started twice", async () => {
    const runner = new GoRunner(2);
    try {
      ok(await runner.start(plan, await lockOutputDir(dir)));
      equal(await runner.start(plan, { path: dir, release: () => {} }), false);
    } finally {
      await runner.close();
    }
  });

  await t.step("an unclaimed early build is stopped and its lock released", async () => {
    const runner = new GoRunner(2);
    ok(await runner.start(plan, await lockOutputDir(dir)));
    await runner.close();
    const again = await within(lockOutputDir(dir), 2000);
    ok(again !== "timeout", "the directory can be locked again");
    again.release();
  });
});

Deno.test("an early build counts against --jobs until it is done", async (t) => {
  await using tmp = await tempDir();

  await t.step("taken over: other builds wait for its slot", async () => {
    const held = await heldPlan(tmp.path, join(tmp.path, "a"));
    const next = await realPlan(tmp.path, join(tmp.path, "b"));
    const runner = new GoRunner(1);
    try {
      ok(await runner.start(held.plan, await lockOutputDir(join(tmp.path, "a"))));
      const lock = runner.claimLock(join(tmp.path, "a"))!;
      const adopted = runner.build(held.plan, { label: "a", report: LOG_ONLY });
      let started = false;
      await withLog(async (lines) => {
        const other = runner.build(next, { label: "b", report: LOG_ONLY }).then(() =>
          started = true
        );
        equal(await within(other, 300), "timeout", "b waits while a holds the only slot");
        ok(!lines.some((l) => l.includes("Building b")), lines.join("\n"));
        await held.release();
        await adopted;
        await other;
      });
      ok(started);
      lock.release();
    } finally {
      await runner.close();
    }
  });

  await t.step("another invocation for its directory frees its slot", async () => {
    const dir = join(tmp.path, "c");
    const held = await heldPlan(join(tmp.path), dir);
    await Deno.remove(join(tmp.path, "release")).catch(() => {});
    const runner = new GoRunner(1);
    try {
      ok(await runner.start(held.plan, await lockOutputDir(dir)));
      const lock = runner.claimLock(dir)!;
      const other = { ...held.plan, goPath: "true" };
      // Stopping the early build gives its slot to this one; without that, this would wait.
      equal(await within(runner.build(other, { label: "c", report: LOG_ONLY }), 10_000), undefined);
      lock.release();
    } finally {
      await runner.close();
    }
  });

  await t.step("nobody takes it over: closing stops it and frees its slot", async () => {
    const dir = join(tmp.path, "d");
    const held = await heldPlan(join(tmp.path), dir);
    const runner = new GoRunner(1);
    ok(await runner.start(held.plan, await lockOutputDir(dir)));
    equal(await within(runner.close(), 10_000), undefined);
  });
});

/** A module of main packages, a logging `go` for it, and plans building each into its own dir. */
async function batchFixture(root: string, packages: Record<string, string>) {
  const files: Record<string, string> = {};
  for (const [p, body] of Object.entries(packages)) files[`${p}/main.go`] = body;
  const src = await writeGoApp(join(root, "src"), { module: "example.com/bt", files });
  const log = join(root, "go.log");
  const go = join(root, "logging-go");
  await Deno.writeTextFile(go, `#!/bin/sh\necho "$*" >> '${log}'\nexec go "$@"\n`);
  await Deno.chmod(go, 0o755);
  const plan = (p: string): GoBuildInvocation => ({
    goPath: go,
    dir: src,
    args: ["build", "-trimpath", "-o", join(root, "out", p, "out"), `example.com/bt/${p}`],
    env: goEnv(),
  });
  for (const p of Object.keys(packages)) {
    await Deno.mkdir(join(root, "out", p), { recursive: true });
  }
  const calls = async () => (await Deno.readTextFile(log)).trim().split("\n");
  return { plan, calls, out: (p: string) => join(root, "out", p, "out") };
}

const prints = (s: string) => `package main\n\nfunc main() { println("${s}") }\n`;

Deno.test("builds waiting for a slot together run as one go build, each binary in its own output (lib/v2 named lib)", async () => {
  await using tmp = await tempDir();
  const pkgs = ["cmd/a", "cmd/b", "cmd/c", "lib/v2"];
  const fx = await batchFixture(tmp.path, Object.fromEntries(pkgs.map((p) => [p, prints(p)])));
  const runner = new GoRunner(1);
  const build = (p: string) =>
    runner.build(fx.plan(p), { label: p, importPath: `example.com/bt/${p}`, report: LOG_ONLY });
  await Promise.all(pkgs.map(build));
  // Asked for together, they waited for the one slot together.
  const calls = await fx.calls();
  equal(calls.length, 1, calls.join("\n"));
  ok(calls[0]!.endsWith(pkgs.map((p) => ` example.com/bt/${p}`).join("")), calls[0]);
  for (const p of pkgs) {
    const run = await new Deno.Command(fx.out(p), { stderr: "piped" }).output();
    equal(new TextDecoder().decode(run.stderr).trim(), p, "each binary is its own package's");
  }
  // Unchanged, the batch finds the kept binaries where go looks: no link, the same files (go
  // only touches them).
  const before = await Promise.all(pkgs.map(async (p) => (await Deno.stat(fx.out(p))).ino));
  await Promise.all(pkgs.map(build));
  const after = await Promise.all(pkgs.map(async (p) => (await Deno.stat(fx.out(p))).ino));
  deepEqual(after, before);
  equal((await fx.calls()).length, 2);
  equal([...Deno.readDirSync(join(tmp.path, "out/cmd/a"))].length, 1, "no batch directory left");
});

Deno.test("a batch that fails is built again one by one: each package gets its own outcome", async () => {
  await using tmp = await tempDir();
  const fx = await batchFixture(tmp.path, {
    "cmd/first": prints("first"),
    "cmd/ok": prints("ok"),
    "cmd/broken": "package main\n\nfunc main() { undefined() }\n",
    "other/ok": prints("other ok"), // the same binary name as cmd/ok: not in the same batch
  });
  const runner = new GoRunner(1);
  const outcomes = await Promise.allSettled(
    ["cmd/first", "cmd/ok", "cmd/broken", "other/ok"].map((p) =>
      runner.build(fx.plan(p), { label: p, importPath: `example.com/bt/${p}`, report: LOG_ONLY })
    ),
  );
  deepEqual(outcomes.map((o) => o.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
  const why = (outcomes[2] as PromiseRejectedResult).reason as Error;
  ok(/^build: go build: exit status 1: .*undefined: undefined/s.test(why.message), why.message);
  ok(!why.message.includes("cmd/ok"), "the error is the broken package's own");
  const calls = await fx.calls();
  // first, ok and broken together, failing; each again; other/ok in a batch of its own.
  equal(calls.length, 5, calls.join("\n"));
  ok(
    calls[0]!.endsWith("example.com/bt/cmd/first example.com/bt/cmd/ok example.com/bt/cmd/broken"),
  );
  for (const p of ["cmd/first", "cmd/ok", "other/ok"]) ok((await Deno.stat(fx.out(p))).isFile);
});

/**
 * The runner of a run's go builds (src/go/go_runner.ts), with real `go build`s and a stand-in
 * `go` script where a build must be held running: an early build is taken over only for
 * exactly its invocation and stopped otherwise, its lock is handed over once and never left
 * behind, and it counts against `--jobs`.
 */
import { equal, ok } from "node:assert/strict";
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
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      GOCACHE: GO_CACHE,
      GOFLAGS: "-mod=mod",
      CGO_ENABLED: "0",
    },
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
        await runner.build(plan, "rn for linux/amd64", LOG_ONLY);
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
        await runner.build(other, "rn", LOG_ONLY);
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
      const adopted = runner.build(held.plan, "a", LOG_ONLY);
      let started = false;
      await withLog(async (lines) => {
        const other = runner.build(next, "b", LOG_ONLY).then(() => started = true);
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
      equal(await within(runner.build(other, "c", LOG_ONLY), 10_000), undefined);
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

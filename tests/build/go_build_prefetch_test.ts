/**
 * The go build started at start-up (src/build/go_build_prefetch.ts): its prediction equals the
 * invocation the builder decides for a plain app (so it is adopted), it predicts nothing when
 * configuration or flags could change the invocation, and a prefetched build is adopted only
 * for exactly its invocation, stopped otherwise, and never leaves its lock behind.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { lockOutputDir } from "../../src/build/build_output.ts";
import type { GoBuildInvocation } from "../../src/build/go_build.ts";
import {
  adoptPrefetchedBuild,
  claimPrefetchedLock,
  type GoBuildPrefetchOptions,
  predictGoBuilds,
  prefetchGoBuilds,
  reserveSlots,
  settleGoBuilds,
  takeReservedSlot,
} from "../../src/build/go_build_prefetch.ts";
import { Semaphore } from "../../src/util/concurrency.ts";
import { goBuildInvocation } from "../../src/config/build_settings.ts";
import { loadKoConfig } from "../../src/config/ko_config.ts";
import { goEnvForPlatform } from "../../src/oci/platform.ts";
import { tempDir, waitFor } from "../helpers/tools.ts";
import { writeGoApp } from "../helpers/go_app.ts";

/** Go's build cache, which an XDG_CACHE_HOME of the test's own would otherwise move. */
const GO_CACHE = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOCACHE"], stdout: "piped" }).outputSync().stdout,
).trim();

/** How many of this process's open files are `path` (Linux: /proc/self/fd). */
async function openCount(path: string): Promise<number> {
  let n = 0;
  for await (const fd of Deno.readDir("/proc/self/fd")) {
    if ((await Deno.readLink(`/proc/self/fd/${fd.name}`).catch(() => "")) === path) n++;
  }
  return n;
}

const PLAIN: GoBuildPrefetchOptions = {
  platforms: [],
  jobs: 2,
  ldflags: [],
  disableOptimizations: false,
  debug: false,
};

async function app(dir: string): Promise<string> {
  return await writeGoApp(join(dir, "src"), {
    module: "example.com/pf",
    files: { "cmd/app/main.go": 'package main\n\nfunc main() { println("pf") }\n' },
  });
}

/** What the builder decides (src/config/build_settings.ts) for the same inputs. */
async function builderPlan(
  cwd: string,
  env: Record<string, string>,
  importPath: string,
  platform: { os: string; architecture: string; variant?: string },
  output: string,
  goPath = "go",
): Promise<GoBuildInvocation> {
  return await goBuildInvocation({
    config: await loadKoConfig({ cwd, env }),
    importPath,
    platformEnv: goEnvForPlatform(platform),
    processEnv: env,
    cliLdflags: [],
    disableOptimizations: false,
    cwd,
    goPath,
    output,
  });
}

Deno.test("the prediction is the builder's own invocation for a plain app", async () => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const xdg = join(tmp.path, "xdg");
  const env = { PATH: Deno.env.get("PATH") ?? "", XDG_CACHE_HOME: xdg, GOFLAGS: "-mod=mod" };
  const cases: Array<
    { args: string[]; platforms: string[]; ip: string; extra: Record<string, string> }
  > = [
    { args: ["./cmd/app"], platforms: [], ip: "example.com/pf/cmd/app", extra: {} },
    { args: [], platforms: [], ip: "example.com/pf", extra: {} }, // "." is the module root
    {
      args: ["ko://example.com/pf/cmd/app"],
      platforms: ["linux/arm/v7"],
      ip: "example.com/pf/cmd/app",
      extra: { KO_GO_PATH: "/opt/go/bin/go" },
    },
  ];
  for (const c of cases) {
    const e: Record<string, string> = { ...env, ...c.extra };
    const [predicted, ...more] = predictGoBuilds(cwd, e, c.args, {
      ...PLAIN,
      platforms: c.platforms,
    });
    ok(predicted, JSON.stringify(c.args));
    equal(more.length, 0);
    const platform = c.platforms[0] === "linux/arm/v7"
      ? { os: "linux", architecture: "arm", variant: "v7" }
      : { os: "linux", architecture: "amd64" };
    const output = join(xdg, "ko-ts/bin", c.ip, c.platforms[0] ?? "linux/amd64", "out");
    deepEqual(predicted, await builderPlan(cwd, e, c.ip, platform, output, e.KO_GO_PATH || "go"));
  }
  // With KOCACHE, the output is KOCACHE's kept binary.
  const kocache = join(tmp.path, "kocache");
  await Deno.mkdir(kocache);
  const [withCache] = predictGoBuilds(cwd, { ...env, KOCACHE: kocache }, ["./cmd/app"], PLAIN);
  ok(withCache!.args.includes(join(kocache, "bin/example.com/pf/cmd/app/linux/amd64/out")));
  // Several platforms: the first --jobs of them.
  const three = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
  const outputs = (jobs: number) =>
    predictGoBuilds(cwd, env, ["./cmd/app"], { ...PLAIN, platforms: three, jobs })
      .map((p) => p.args[p.args.indexOf("-o") + 1]);
  deepEqual(outputs(2), [
    join(xdg, "ko-ts/bin/example.com/pf/cmd/app/linux/amd64/out"),
    join(xdg, "ko-ts/bin/example.com/pf/cmd/app/linux/arm64/out"),
  ]);
  equal(outputs(8).length, 3);
});

Deno.test("nothing is predicted when configuration or flags could change the build", async () => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const env = { XDG_CACHE_HOME: join(tmp.path, "xdg") };
  const none = (
    args: string[],
    options: Partial<GoBuildPrefetchOptions> = {},
    extra: Record<string, string> = {},
    dir = cwd,
  ) => deepEqual(predictGoBuilds(dir, { ...env, ...extra }, args, { ...PLAIN, ...options }), []);
  none(["./cmd/app", "./cmd/other"]);
  none(["./cmd/app"], { ldflags: ["-s"] });
  none(["./cmd/app"], { disableOptimizations: true });
  none(["./cmd/app"], { debug: true });
  none(["./cmd/app"], { platforms: ["all"] });
  none(["./cmd/app"], {}, { KO_CONFIG_PATH: "/somewhere" });
  none(["./cmd/app"], {}, { KO_DEFAULTLDFLAGS: "-s" });
  none(["./cmd/app"], {}, { GOFLAGS: "-toolexec=x" });
  none(["./cmd/app"], {}, { KOCACHE: join(tmp.path, "missing") });
  none(["./cmd/app"], {}, { XDG_CACHE_HOME: "", HOME: "" });
  none(["."], {}, {}, tmp.path); // no go.mod above
  await Deno.writeTextFile(join(cwd, ".ko.yaml"), "defaultFlags: [-v]\n");
  none(["./cmd/app"]);
});

Deno.test("a prefetched build is adopted only for exactly its invocation", async (t) => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const env = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "",
    XDG_CACHE_HOME: join(tmp.path, "xdg"),
    GOCACHE: GO_CACHE, // not under XDG_CACHE_HOME: the standard library stays compiled
    GOFLAGS: "-mod=mod",
  };
  const [plan] = predictGoBuilds(cwd, env, ["./cmd/app"], PLAIN);
  const dir = join(env.XDG_CACHE_HOME, "ko-ts/bin/example.com/pf/cmd/app/linux/amd64");
  try {
    await t.step("the same invocation takes the running build's outcome", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 0, "one per directory");
      const lock = await claimPrefetchedLock(dir);
      ok(lock);
      equal(claimPrefetchedLock(dir), undefined, "the lock is handed over once");
      const out = await adoptPrefetchedBuild(plan!);
      equal(out?.success, true);
      ok((await Deno.stat(join(dir, "out"))).isFile);
      lock.release();
      await settleGoBuilds();
    });

    await t.step("another invocation stops it and runs itself", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      const lock = (await claimPrefetchedLock(dir))!;
      const other = { ...plan!, env: { ...plan!.env, GOFLAGS: "-mod=mod -trimpath" } };
      equal(await adoptPrefetchedBuild(other), undefined);
      lock.release();
      await settleGoBuilds();
    });

    await t.step("an unclaimed prefetch is stopped and its lock released", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      await settleGoBuilds();
      const again = await Promise.race([
        lockOutputDir(dir),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000)),
      ]);
      ok(again, "the directory can be locked again");
      again.release();
    });

    await t.step("a taken-over build holds a --jobs slot until its taker is done", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      const jobs = new Semaphore(1);
      reserveSlots(jobs);
      const lock = (await claimPrefetchedLock(dir))!;
      await new Promise((resolve) => setTimeout(resolve, 0));
      const slot = takeReservedSlot(plan!);
      ok(slot, "the slot goes with the build");
      equal(takeReservedSlot(plan!), undefined, "once");
      let waited = false;
      const next = jobs.acquire().then((release) => (waited = true, release));
      equal((await adoptPrefetchedBuild(plan!))?.success, true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      equal(waited, false, "the build has exited, but its taker still holds the slot");
      slot();
      (await next)();
      lock.release();
      await settleGoBuilds();
    });

    await t.step("a platform build deciding another invocation frees the slot", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      const jobs = new Semaphore(1);
      reserveSlots(jobs);
      const lock = (await claimPrefetchedLock(dir))!;
      await new Promise((resolve) => setTimeout(resolve, 0));
      const other = { ...plan!, env: { ...plan!.env, GOFLAGS: "-mod=mod -trimpath" } };
      equal(takeReservedSlot(other), undefined);
      // The start-up build is stopped, so its slot comes free for the real one.
      (await jobs.acquire())();
      equal(await adoptPrefetchedBuild(other), undefined);
      lock.release();
      await settleGoBuilds();
    });

    await t.step("a build nobody takes over frees its slot when it exits", async () => {
      equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 1);
      const jobs = new Semaphore(1);
      reserveSlots(jobs);
      const next = jobs.acquire();
      await settleGoBuilds(); // stops it
      (await next)();
    });

    await t.step("a directory another process holds is not waited for", async () => {
      const held = await lockOutputDir(dir);
      const lockFile = await Deno.realPath(join(dir, ".lock"));
      try {
        equal(await prefetchGoBuilds(cwd, env, ["./cmd/app"], PLAIN), 0);
        // It still waits for the lock, on a file of its own, to let it go once it has it.
        await waitFor(
          "the prefetch to wait for the lock",
          async () => (await openCount(lockFile)) >= 2 || undefined,
        );
      } finally {
        held.release();
      }
      await waitFor(
        "the late lock to be let go",
        async () => (await openCount(lockFile)) === 0 || undefined,
      );
      await settleGoBuilds();
    });
  } finally {
    await settleGoBuilds();
  }
});

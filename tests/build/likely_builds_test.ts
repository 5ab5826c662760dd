/**
 * What `ko build` starts at start-up (src/build/likely_builds.ts), against a real Go module:
 * the `go list` of its arguments, unless a configuration file with `builds` may send it
 * elsewhere; and the likely `go build`s, which are exactly what the run's BuildSelector plans
 * for a plain app (so the runner takes them over), and none when configuration could change
 * them.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { lockOutputDir } from "../../src/build/build_output.ts";
import {
  type LikelyBuildOptions,
  likelyBuilds,
  listEarly,
  startLikelyBuilds,
} from "../../src/build/likely_builds.ts";
import { BuildSelector } from "../../src/config/build_selection.ts";
import { loadKoConfig } from "../../src/config/ko_config.ts";
import type { GoBuildInvocation } from "../../src/go/go_build.ts";
import { GoLister } from "../../src/go/go_lister.ts";
import { GoRunner } from "../../src/go/go_runner.ts";
import { goEnvForPlatform } from "../../src/oci/platform.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { tempDir, waitFor } from "../helpers/tools.ts";

/** How many of this process's open files are `path` (Linux: /proc/self/fd). */
async function openCount(path: string): Promise<number> {
  let n = 0;
  for await (const fd of Deno.readDir("/proc/self/fd")) {
    if ((await Deno.readLink(`/proc/self/fd/${fd.name}`).catch(() => "")) === path) n++;
  }
  return n;
}

const PLAIN: LikelyBuildOptions = {
  platforms: [],
  jobs: 2,
  ldflags: [],
  disableOptimizations: false,
  debug: false,
};

const MAIN = 'package main\n\nfunc main() { println("pf") }\n';

async function app(dir: string): Promise<string> {
  return await writeGoApp(join(dir, "src"), {
    module: "example.com/pf",
    files: { "cmd/app/main.go": MAIN, "cmd/b/main.go": MAIN },
  });
}

/** What the run's selector plans for the same inputs. */
async function selectorPlan(
  cwd: string,
  env: Record<string, string>,
  importPath: string,
  platform: { os: string; architecture: string; variant?: string },
  output: string,
  options: LikelyBuildOptions = PLAIN,
): Promise<GoBuildInvocation> {
  const lister = new GoLister();
  const selector = new BuildSelector(await loadKoConfig({ cwd, env, lister }), {
    cwd,
    env,
    lister,
    goPath: env.KO_GO_PATH || "go",
    cliLdflags: options.ldflags,
    disableOptimizations: options.disableOptimizations || options.debug,
  });
  const { linuxCapabilities: _, ...plan } = await selector.plan({
    importPath,
    platformEnv: goEnvForPlatform(platform),
    output,
  });
  return plan;
}

Deno.test("the likely builds are what the selector plans for a plain app", async () => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const xdg = join(tmp.path, "xdg");
  const env = { PATH: Deno.env.get("PATH") ?? "", XDG_CACHE_HOME: xdg, GOFLAGS: "-mod=mod" };
  const cases: Array<
    {
      args: string[];
      ip: string;
      extra: Record<string, string>;
      options: Partial<LikelyBuildOptions>;
    }
  > = [
    { args: ["./cmd/app"], ip: "example.com/pf/cmd/app", extra: {}, options: {} },
    { args: [], ip: "example.com/pf", extra: {}, options: {} }, // "." is the module root
    {
      args: ["ko://example.com/pf/cmd/app"],
      ip: "example.com/pf/cmd/app",
      extra: { KO_GO_PATH: "/opt/go/bin/go" },
      options: { platforms: ["linux/arm/v7"] },
    },
    // Flags the one planner knows are planned alike.
    { args: ["./cmd/app"], ip: "example.com/pf/cmd/app", extra: {}, options: { ldflags: ["-s"] } },
    {
      args: ["./cmd/app"],
      ip: "example.com/pf/cmd/app",
      extra: {},
      options: { disableOptimizations: true },
    },
    { args: ["./cmd/app"], ip: "example.com/pf/cmd/app", extra: {}, options: { debug: true } },
  ];
  for (const c of cases) {
    const e: Record<string, string> = { ...env, ...c.extra };
    const options = { ...PLAIN, ...c.options };
    const [likely, ...more] = await likelyBuilds(cwd, e, c.args, options);
    ok(likely, JSON.stringify(c));
    equal(more.length, 0);
    const platform = options.platforms[0] === "linux/arm/v7"
      ? { os: "linux", architecture: "arm", variant: "v7" }
      : { os: "linux", architecture: "amd64" };
    const output = join(xdg, "ko-ts/bin", c.ip, options.platforms[0] ?? "linux/amd64", "out");
    deepEqual(likely, await selectorPlan(cwd, e, c.ip, platform, output, options));
  }
  // With KOCACHE, the output is KOCACHE's kept binary.
  const kocache = join(tmp.path, "kocache");
  await Deno.mkdir(kocache);
  const [withCache] = await likelyBuilds(cwd, { ...env, KOCACHE: kocache }, ["./cmd/app"], PLAIN);
  ok(withCache!.args.includes(join(kocache, "bin/example.com/pf/cmd/app/linux/amd64/out")));
  // Several platforms: the first --jobs of them.
  const three = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
  const outputs = async (jobs: number) =>
    (await likelyBuilds(cwd, env, ["./cmd/app"], { ...PLAIN, platforms: three, jobs }))
      .map((p) => p.args[p.args.indexOf("-o") + 1]);
  deepEqual(await outputs(2), [
    join(xdg, "ko-ts/bin/example.com/pf/cmd/app/linux/amd64/out"),
    join(xdg, "ko-ts/bin/example.com/pf/cmd/app/linux/arm64/out"),
  ]);
  equal((await outputs(8)).length, 3);
});

Deno.test("no build is likely when configuration could change it", async () => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const env = { XDG_CACHE_HOME: join(tmp.path, "xdg") };
  const none = async (
    args: string[],
    options: Partial<LikelyBuildOptions> = {},
    extra: Record<string, string> = {},
    dir = cwd,
  ) => deepEqual(await likelyBuilds(dir, { ...env, ...extra }, args, { ...PLAIN, ...options }), []);
  await none(["./cmd/app", "./cmd/other"]);
  await none(["./cmd/app"], { ldflags: ["-X main.v={{.Git.Tag}}"] }); // a template
  await none(["./cmd/app"], { platforms: ["all"] });
  await none(["./cmd/app"], {}, { KO_CONFIG_PATH: "/somewhere" });
  await none(["./cmd/app"], {}, { KO_DEFAULTLDFLAGS: "-s" });
  await none(["./cmd/app"], {}, { GOFLAGS: "-toolexec=x" });
  await none(["./cmd/app"], {}, { KOCACHE: join(tmp.path, "missing") });
  await none(["./cmd/app"], {}, { XDG_CACHE_HOME: "", HOME: "" });
  await none(["."], {}, {}, tmp.path); // no go.mod above
  await Deno.writeTextFile(join(cwd, ".ko.yaml"), "defaultFlags: [-v]\n");
  await none(["./cmd/app"]);
});

Deno.test("listEarly lists build arguments ahead, unless a config may redirect them", async (t) => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);

  await t.step("local, plain and ko:// arguments, each once; the builder reuses them", async () => {
    const lister = new GoLister();
    const listed = listEarly(lister, cwd, {}, [
      "./cmd/app",
      "ko://example.com/pf/cmd/b",
      "./cmd/app",
      "example.com/pf/cmd/b",
    ]);
    deepEqual(listed, ["./cmd/app", "example.com/pf/cmd/b"]);
    const first = lister.list(cwd, ["./cmd/app"]);
    equal(lister.list(cwd, ["./cmd/app"]), first, "the very promise the builder gets");
    const [a] = await first;
    equal(a!.ImportPath, "example.com/pf/cmd/app");
    await lister.idle();
  });

  await t.step("a bad path never rejects: the build reports it", async () => {
    const lister = new GoLister();
    deepEqual(listEarly(lister, cwd, {}, ["./nope"]), ["./nope"]);
    await lister.idle();
  });

  await t.step("not with a config file that has builds", async () => {
    const lister = new GoLister();
    await Deno.writeTextFile(join(cwd, ".ko.yaml"), "builds:\n- id: a\n  dir: cmd\n  main: ./a\n");
    deepEqual(listEarly(lister, cwd, {}, ["./cmd/app"]), []);
    const elsewhere = join(tmp.path, "conf.yaml");
    await Deno.writeTextFile(elsewhere, "Builds: []\n");
    await Deno.remove(join(cwd, ".ko.yaml"));
    deepEqual(listEarly(lister, cwd, { KO_CONFIG_PATH: elsewhere }, ["./cmd/app"]), []);
    deepEqual(listEarly(lister, cwd, { KO_CONFIG_PATH: join(tmp.path, "missing") }, ["./a"]), []);
  });

  await t.step("with a config file without builds", async () => {
    const lister = new GoLister();
    await Deno.writeTextFile(join(cwd, ".ko.yaml"), "defaultBaseImage: scratch\n");
    deepEqual(listEarly(lister, cwd, {}, ["./cmd/b"]), ["./cmd/b"]);
    await lister.idle();
  });
});

Deno.test("a likely build is started once its output is locked; a held one is not waited for", async () => {
  await using tmp = await tempDir();
  const cwd = await app(tmp.path);
  const env = { PATH: Deno.env.get("PATH") ?? "", XDG_CACHE_HOME: join(tmp.path, "xdg") };
  const dir = join(env.XDG_CACHE_HOME, "ko-ts/bin/example.com/pf/cmd/app/linux/amd64");
  const runner = new GoRunner(2);
  try {
    equal(await startLikelyBuilds(runner, cwd, env, ["./cmd/app"], PLAIN), 1);
    equal(await startLikelyBuilds(runner, cwd, env, ["./cmd/app"], PLAIN), 0, "one per dir");
  } finally {
    await runner.close();
  }
  const held = await lockOutputDir(dir);
  const lockFile = await Deno.realPath(join(dir, ".lock"));
  const other = new GoRunner(2);
  try {
    equal(await startLikelyBuilds(other, cwd, env, ["./cmd/app"], PLAIN), 0);
    // It still waits for the lock, on a file of its own, to let it go once it has it.
    await waitFor(
      "the start-up to wait for the lock",
      async () => (await openCount(lockFile)) >= 2 || undefined,
    );
  } finally {
    held.release();
    await other.close();
  }
  await waitFor(
    "the late lock to be let go",
    async () => (await openCount(lockFile)) === 0 || undefined,
  );
});

/**
 * The single binary: `deno task compile` writes dist/ko with every Worker module included (a
 * compiled program finds modules only in its bundle, and a Worker's module is not an import),
 * the release workflow compiles with the same inclusions, and — where `deno compile` can get its
 * denort runtime — the compiled ko runs `version` and a build whose big layer goes through its
 * bundled worker.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { denortUnavailableReason } from "../helpers/denort.ts";
import { requires } from "../helpers/requires.ts";
import { run, runOk, tempDir } from "../helpers/tools.ts";
import { VERSION } from "../../src/version.ts";
import { parse } from "../../src/deps/yaml.ts";
import { bigBlobs, bigKodataApp, ROOT, userMachine } from "./dist_env.ts";

const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const compileTask: string = config.tasks.compile;

/** Every module started as a Worker in src/ (`new Worker(new URL("…", import.meta.url)`). */
async function workerModules(dir = join(ROOT, "src")): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await workerModules(path));
    else if (e.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(/new Worker\(\s*new URL\("([^"]+)", import\.meta\.url\)/g)) {
        out.push(relative(ROOT, join(dirname(path), m[1]!)));
      }
    }
  }
  return out.sort();
}

/** The `--include` paths of a `deno compile` command line. */
const includes = (command: string) =>
  [...command.matchAll(/--include\s+(\S+)/g)].map((m) => m[1]!).sort();

Deno.test("deno task compile writes dist/ko from main.ts with every Worker module included", async () => {
  const workers = await workerModules();
  deepEqual(workers, ["src/layer/layer_worker.ts"]);
  match(compileTask, /^deno compile -A (--include \S+ )+-o dist\/ko main\.ts$/);
  deepEqual(includes(compileTask), workers);
});

Deno.test("the release workflow compiles with the same inclusions, for every target", async () => {
  const workflow = parse(
    await Deno.readTextFile(join(ROOT, ".github", "workflows", "release.yml")),
  ) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
  const commands = Object.values(workflow.jobs).flatMap((job) => job.steps)
    .map((step) => step.run ?? "").filter((script) => script.includes("deno compile"));
  equal(commands.length, 1, "one compile step, run per target");
  deepEqual(includes(commands[0]!), await workerModules());
  match(commands[0]!, /--target "\$\{\{ matrix\.target \}\}"/);
});

Deno.test({
  ...requires(
    "the compiled ko prints its version and builds a big layer in its bundled worker",
    await denortUnavailableReason(),
  ),
  async fn() {
    await using tmp = await tempDir("ko-compiled-");
    const binary = join(tmp.path, "ko");
    const args = compileTask.split(/\s+/).slice(1).map((a, i, all) =>
      all[i - 1] === "-o" ? binary : a
    );
    await runOk(Deno.execPath(), args, { cwd: ROOT });
    const machine = await userMachine(tmp.path, { programs: ["go"] });
    const app = await bigKodataApp(join(tmp.path, "app"));
    const v = await run(binary, ["version"], { cwd: app, env: machine.env, clearEnv: true });
    deepEqual(v, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
    const layout = join(tmp.path, "layout");
    const b = await run(binary, ["build", "--push=false", "--oci-layout-path", layout, "."], {
      cwd: app,
      env: machine.env,
      clearEnv: true,
    });
    equal(b.code, 0, b.stderr);
    equal((await bigBlobs(layout)).length, 1);
    ok(b.stdout.startsWith(`${layout}@sha256:`));
  },
});

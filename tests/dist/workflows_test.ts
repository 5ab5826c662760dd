/**
 * The GitHub Actions workflows: both pass actionlint (built from the Go module proxy by
 * scripts/actionlint.sh, which also has shellcheck look at their scripts); CI runs the test
 * suite on pushes and pull requests; the release builds, smoke-tests and attaches one binary per
 * platform with their sha256 sums, with the Deno the launcher pins.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "../../src/deps/yaml.ts";
import { MINIMUM_DENO_VERSION } from "../../src/version.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { run, tempDir } from "../helpers/tools.ts";
import { ROOT } from "./dist_env.ts";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, {
    "runs-on": string;
    steps: Step[];
    needs?: string;
    if?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix: { include: Array<Record<string, string>> } };
  }>;
}

const WORKFLOWS = join(ROOT, ".github", "workflows");
const read = async (name: string) =>
  parse(await Deno.readTextFile(join(WORKFLOWS, name))) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const actionlint = join(ROOT, "scripts", "actionlint.sh");

Deno.test({
  ...requires("both workflows pass actionlint, and a broken one does not", programsMissing("go")),
  async fn() {
    const clean = await run("bash", [actionlint], { cwd: ROOT });
    deepEqual(clean, { code: 0, stdout: "", stderr: "" });

    await using tmp = await tempDir("ko-actionlint-");
    const broken = join(tmp.path, "broken.yml");
    const ci = await Deno.readTextFile(join(WORKFLOWS, "ci.yml"));
    await Deno.writeTextFile(
      broken,
      ci.replace("runs-on: ubuntu-24.04", "runs-on: ${{ matrix.os }}"),
    );
    const r = await run("bash", [actionlint, broken], { cwd: ROOT });
    notEqual(r.code, 0);
    match(r.stdout, /matrix/);
  },
});

Deno.test("CI runs the whole suite on pushes and pull requests", async () => {
  const ci = await read("ci.yml");
  deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
  const scripts = steps(ci).map((s) => s.run ?? "");
  ok(scripts.some((s) => /(^|\s)bash scripts\/test\.sh$/.test(s.trim())), scripts.join("\n"));
  ok(steps(ci).some((s) => s.uses?.startsWith("actions/setup-go@")), "Go is set up");
});

Deno.test("the release compiles and smoke-tests each platform's binary, then attaches them with sha256 sums", async () => {
  const release = await read("release.yml");
  const binary = release.jobs.binary!;
  const targets = binary.strategy!.matrix.include.map((e) => e.target).sort();
  deepEqual(targets, [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
  equal(binary["runs-on"], "${{ matrix.runner }}", "each target on a runner that runs it");
  const deno = binary.steps.find((s) => s.uses?.startsWith("denoland/setup-deno@"));
  equal(String(deno?.with?.["deno-version"]), MINIMUM_DENO_VERSION, "the Deno ko is tested on");

  const smoke = binary.steps.map((s) => s.run ?? "").find((s) => s.includes("--oci-layout-path"));
  ok(smoke, "a smoke-test step");
  match(smoke, /"\$BIN" version/);
  match(smoke, /"\$BIN" build \.\/examples\/hello --push=false --oci-layout-path \S+/);
  match(
    smoke,
    /head -c 6291456 \/dev\/urandom > examples\/hello\/kodata\/\S+/,
    "a 6 MiB kodata file for the workers",
  );
  ok(binary.steps.some((s) => s.uses?.startsWith("actions/upload-artifact@")));

  const publish = release.jobs.release!;
  equal(publish.needs, "binary");
  equal(publish.permissions?.contents, "write");
  const scripts = publish.steps.map((s) => s.run ?? "").join("\n");
  match(scripts, /sha256sum ko-\* > SHA256SUMS/);
  match(scripts, /gh release (create|upload) "\$TAG" dist\/\*/);
});

/**
 * `--tarball` and `--oci-layout-path` writes stopped mid-way by a real signal, in a real ko
 * process (`deno run main.ts`), against a real registry (Debian's docker-registry) whose base
 * image layer comes through a throttling proxy so that the write lasts: each kill waits for the
 * temporary file to appear with bytes in it, never for a fixed time. After a SIGKILL the rerun
 * succeeds and removes what the killed run left; after a SIGTERM ko removes it itself and exits
 * 143, leaving the previous output untouched.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { startRegistry } from "../helpers/registry_server.ts";
import { startThrottleProxy } from "../helpers/throttle_proxy.ts";
import { pushLargeBase, temporaryFiles } from "../helpers/large_images.ts";
import { tempDir, waitFor } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { spawnKo } from "../helpers/ko_process.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { readTar } from "../helpers/tar_reader.ts";

/** Go's build cache, which the test's own XDG_CACHE_HOME would otherwise move. */
const GO_CACHE = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOCACHE"], stdout: "piped" }).outputSync().stdout,
).trim();

/** The size of the base's random layer: about 4 s at the proxy's 1 MB/s. */
const LARGE = 4 << 20;

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A temporary file under `dir` that has bytes in it, once there is one. */
function tempWithBytes(dir: string): () => Promise<string | undefined> {
  return async () => {
    for (const p of await temporaryFiles(dir)) {
      if ((await Deno.stat(p).catch(() => undefined))?.size) return p;
    }
    return undefined;
  };
}

/** Checks a docker-save tarball: every file manifest.json names is there and hashes to its name. */
function checkTarball(bytes: Uint8Array): void {
  const members = new Map(readTar(bytes).map((m) => [m.name, m.content]));
  const manifest = JSON.parse(new TextDecoder().decode(members.get("manifest.json")));
  equal(manifest.length, 1);
  for (const name of [manifest[0].Config, ...manifest[0].Layers] as string[]) {
    const content = members.get(name);
    ok(content, `${name} is missing`);
    equal(sha256(content).slice(7), name.replace(/^sha256:/, "").replace(/\.tar(\.gz)?$/, ""));
  }
}

/** Checks a layout: index.json names one image, and every blob it needs hashes to its name. */
async function checkLayout(dir: string): Promise<void> {
  const blob = (d: string) => Deno.readFile(join(dir, "blobs", "sha256", d.slice(7)));
  const index = JSON.parse(await Deno.readTextFile(join(dir, "index.json")));
  equal(index.manifests.length, 1);
  const digests = [index.manifests[0].digest as string];
  const manifest = JSON.parse(new TextDecoder().decode(await blob(digests[0]!)));
  digests.push(manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest));
  for (const d of digests) equal(sha256(await blob(d)), d);
}

Deno.test("killed and terminated tarball and layout writes leave nothing partial", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using slow = startThrottleProxy(registry.host, 100_000_000, { download: 1_000_000 });
  await pushLargeBase(registry, "bases/large", LARGE);
  await pushLargeBase(registry, "bases/other", LARGE);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/killed",
    files: { "main.go": 'package main\n\nfunc main() { println("killed") }\n' },
  });
  const out = join(tmp.path, "out");
  await Deno.mkdir(out);
  const env = (baseHost: string, base = "bases/large") => ({
    KO_DOCKER_REPO: `${registry.host}/killed`,
    KO_DEFAULTBASEIMAGE: `${baseHost}/${base}:latest`,
    XDG_CACHE_HOME: join(tmp.path, "xdg"),
    GOCACHE: GO_CACHE,
  });
  const tarball = join(out, "img.tar");
  const layout = join(out, "layout");
  const tarballArgs = ["build", "--push=false", "--tarball", tarball, "."];
  const layoutArgs = (path: string) => ["build", "--push=false", "--oci-layout-path", path, "."];
  const blobsOf = (path: string) => join(path, "blobs", "sha256");
  const waitOpts = { timeoutMs: 120_000 };

  /** Starts ko through the slow proxy and stops it with `signal` once `dir` has a temp file. */
  const stopMidWrite = async (args: string[], dir: string, signal: Deno.Signal, base?: string) => {
    await using run = spawnKo(args, { cwd: src, env: env(slow.host, base) });
    const temp = await waitFor(`a temporary file in ${dir}`, async () => {
      if (run.exited) throw new Error(`ko ended before writing:\n${run.stderr()}`);
      return await tempWithBytes(dir)();
    }, waitOpts);
    run.kill(signal);
    return { temp, exit: await run.done() };
  };
  const rerun = async (args: string[]) => {
    const r = await ko(args, { cwd: src, env: env(registry.host) });
    equal(r.code, 0, r.stderr);
  };

  await t.step("a SIGKILL mid-tarball leaves a temporary file that the rerun removes", async () => {
    const { temp, exit } = await stopMidWrite(tarballArgs, out, "SIGKILL");
    equal(exit.signal, "SIGKILL");
    match(temp, /\/\.img\.tar\.tmp-[0-9a-f]{8}$/);
    deepEqual(await temporaryFiles(out), [temp]);
    ok(!(await Deno.stat(tarball).catch(() => undefined)), "no tarball yet");
    await rerun(tarballArgs);
    deepEqual(await temporaryFiles(out), []);
    checkTarball(await Deno.readFile(tarball));
  });

  await t.step(
    "a SIGTERM mid-tarball removes it, keeps the old tarball and exits 143",
    async () => {
      const before = await Deno.readFile(tarball);
      const { exit } = await stopMidWrite(tarballArgs, out, "SIGTERM");
      equal(exit.code, 143, exit.stderr);
      match(exit.stderr, /\nError: terminated\n$/);
      deepEqual(await temporaryFiles(out), []);
      deepEqual(await Deno.readFile(tarball), before);
    },
  );

  await t.step("a SIGKILL mid-layout leaves a valid layout that the rerun completes", async () => {
    const { temp, exit } = await stopMidWrite(layoutArgs(layout), blobsOf(layout), "SIGKILL");
    equal(exit.signal, "SIGKILL");
    match(temp, /\/blobs\/sha256\/\.[0-9a-f]{64}\.tmp-[0-9a-f]{8}$/);
    // As go-containerregistry's layout.Write: both files from the start, the index empty.
    equal(JSON.parse(await Deno.readTextFile(join(layout, "index.json"))).manifests.length, 0);
    await rerun(layoutArgs(layout));
    deepEqual(await temporaryFiles(out), []);
    await checkLayout(layout);
  });

  await t.step("a SIGTERM mid-layout keeps an existing layout as it was", async () => {
    const index = await Deno.readTextFile(join(layout, "index.json"));
    // Another base: blobs the layout does not have yet.
    const { exit } = await stopMidWrite(
      layoutArgs(layout),
      blobsOf(layout),
      "SIGTERM",
      "bases/other",
    );
    equal(exit.code, 143, exit.stderr);
    deepEqual(await temporaryFiles(out), []);
    equal(await Deno.readTextFile(join(layout, "index.json")), index);
    await checkLayout(layout);
  });

  await t.step("a SIGTERM mid-layout removes a layout the run created", async () => {
    const fresh = join(out, "fresh-layout");
    const { exit } = await stopMidWrite(layoutArgs(fresh), blobsOf(fresh), "SIGTERM");
    equal(exit.code, 143, exit.stderr);
    ok(!(await Deno.stat(fresh).catch(() => undefined)), "the new layout is removed");
    deepEqual(await temporaryFiles(out), []);
  });
});

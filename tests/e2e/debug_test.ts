/**
 * `ko build --debug` (ko-behaviour 5.10): Delve, built from the module proxy for the target,
 * is the image's third layer at `/ko-app/dlv` and the entrypoint runs the app under it; the
 * app is built without optimisations; a platform Delve does not support is built without it,
 * saying so. The Delve taken out of the image runs (`dlv version`).
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { ko } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { readTar } from "../helpers/tar_reader.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("ko build --debug puts Delve in the image and starts the app under it", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/debugged",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const layout = join(tmp.path, "layout");
  // Its own output root, so Delve is built here once; Go's build cache stays the usual one
  // (Go would otherwise put it under the new XDG_CACHE_HOME and compile everything again).
  const goCache = (await runOk("go", ["env", "GOCACHE"])).stdout.trim();
  const env = {
    KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
    XDG_CACHE_HOME: join(tmp.path, "cache"),
    GOCACHE: goCache,
  };
  const blob = async (digest: string) =>
    await Deno.readFile(join(layout, "blobs", "sha256", digest.slice("sha256:".length)));
  const json = async (digest: string): Promise<Json> =>
    JSON.parse(new TextDecoder().decode(await blob(digest)));

  await t.step(
    "amd64 gets Delve; arm/v7, which Delve does not support, is built without",
    async () => {
      const r = await ko([
        "build",
        "--debug",
        "--platform=linux/amd64,linux/arm/v7",
        "--push=false",
        "--oci-layout-path",
        layout,
        ".",
      ], { cwd: src, env });
      equal(r.code, 0, r.stderr);
      match(r.stderr, /Building Delve v\d+\.\d+\.\d+ for linux\/amd64/);
      match(
        r.stderr,
        /image for platform "linux\/arm\/v7" will be built without debugging enabled because debugging is not supported for that platform/,
      );
      const top: Json = JSON.parse(await Deno.readTextFile(join(layout, "index.json")));
      const index = await json(top.manifests[0].digest);
      const [amd64, armv7] = index.manifests as Json[];
      equal(amd64.platform.architecture, "amd64");
      equal(armv7.platform.architecture, "arm");

      const manifest = await json(amd64.digest);
      const config = await json(manifest.config.digest);
      deepEqual(config.config.Entrypoint, [
        "/ko-app/dlv",
        "exec",
        "--listen=:40000",
        "--headless",
        "--log",
        "--accept-multiclient",
        "--api-version=2",
        "--",
        "/ko-app/debugged",
      ]);
      deepEqual(config.history.slice(-3).map((h: Json) => h.comment), [
        "kodata contents, at $KO_DATA_PATH",
        "go build output, at /ko-app/debugged",
        "Delve debugger, at /ko-app/dlv",
      ]);
      const layers = manifest.layers as Json[];
      const members = async (i: number) => readTar(await blob(layers[i].digest));
      const dlv = (await members(layers.length - 1)).find((m) => m.name === "/ko-app/dlv");
      ok(dlv, "the last layer holds /ko-app/dlv");
      equal(dlv.mode, 0o555);
      const dlvPath = join(tmp.path, "dlv");
      await Deno.writeFile(dlvPath, dlv.content, { mode: 0o755 });
      match((await runOk(dlvPath, ["version"])).stdout, /Delve Debugger\nVersion: \d+\.\d+\.\d+/);

      // The app itself was built for debugging: optimisations and inlining off.
      const app = (await members(layers.length - 2)).find((m) => m.name === "/ko-app/debugged");
      const appPath = join(tmp.path, "app");
      await Deno.writeFile(appPath, app!.content, { mode: 0o755 });
      match((await runOk("go", ["version", "-m", appPath])).stdout, /-gcflags="all=-N -l"/);

      const armConfig = await json((await json(armv7.digest)).config.digest);
      deepEqual(armConfig.config.Entrypoint, ["/ko-app/debugged"]);
      ok(!armConfig.history.some((h: Json) => /Delve/.test(h.comment ?? "")));
    },
  );

  await t.step("the same Delve again: kept, not rebuilt, and the same digest", async () => {
    const build = () =>
      ko([
        "build",
        "--debug",
        "--platform=linux/amd64",
        "--push=false",
        "--oci-layout-path",
        layout,
        ".",
      ], {
        cwd: src,
        env,
      });
    const first = await build();
    const second = await build();
    equal(second.code, 0, second.stderr);
    ok(!second.stderr.includes("Building Delve"), second.stderr);
    equal(second.stdout, first.stdout);
  });
});

/**
 * Where a run lists and builds each package (src/config/build_selection.ts), through the
 * real CLI and real `go list` / `go build` on the multi-module fixture.
 */
import { equal, match, throws } from "node:assert/strict";
import { relativePath, selectBuildConfig } from "../../src/config/build_selection.ts";
import { loadKoConfig } from "../../src/config/ko_config.ts";
import { GoLister } from "../../src/go/go_lister.ts";
import { KoError } from "../../src/util/errors.ts";
import { ko } from "../helpers/ko_cli.ts";
import { build, config, goEnvironment, MULTIMOD as MULTIMOD_DIR, withTempDir } from "./helpers.ts";

const MULTIMOD = MULTIMOD_DIR;
const CONFIG = new URL("../testdata/config/multimod.ko.yaml", import.meta.url).pathname;

Deno.test("a local path qualified in a build's dir is built there, with the defaults", async () => {
  const env = {
    KO_CONFIG_PATH: CONFIG,
    KO_DEFAULTBASEIMAGE: "scratch",
    GOFLAGS: "-mod=mod",
    GOPROXY: "off",
    GOWORK: "off",
  };
  // ./app/cmd/bar has no build of its own; it lies in the module of the `foo` build (dir app).
  // Before: it was qualified there but then listed in the root module, which fails with "no
  // required module provides package example.com/testapp/cmd/bar".
  const r = await ko(["build", "--push=false", "./app/cmd/bar"], { cwd: MULTIMOD, env });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^bar-[0-9a-f]{32}:latest@sha256:[0-9a-f]{64}\n$/);
  match(r.stderr, /Building example\.com\/testapp\/cmd\/bar for linux\/amd64/);
  // The foo build's settings are its own: bar gets the defaults.
  equal(r.stderr.includes("Using build config foo for example.com/testapp/cmd/bar"), false);
  // The same for its full import path, which the root module does not have.
  const full = await ko(["build", "--push=false", "example.com/testapp/cmd/bar"], {
    cwd: MULTIMOD,
    env,
  });
  equal(full.code, 0, full.stderr);
  equal(full.stdout, r.stdout);
  // The build's own package still uses its config.
  const foo = await ko(["build", "--push=false", "./app/cmd/foo"], { cwd: MULTIMOD, env });
  equal(foo.code, 0, foo.stderr);
  match(foo.stderr, /Using build config foo for example\.com\/testapp\/cmd\/foo/);
});

Deno.test("relativePath follows ko's table", () => {
  equal(relativePath("", ""), "");
  equal(relativePath(".", "."), ".");
  equal(relativePath("any", "example.com/app/cmd/foo"), "example.com/app/cmd/foo");
  equal(relativePath("any", "ko://example.com/app/cmd/foo"), "ko://example.com/app/cmd/foo");
  equal(relativePath("foo", "./foo/bar"), "./bar");
  equal(relativePath("foo/bar", "./foo/bar"), ".");
  equal(relativePath("app", "./app/cmd/foo"), "./cmd/foo");
  throws(
    () => relativePath("foo", "./bar"),
    (e: unknown) =>
      e instanceof KoError &&
      e.message ===
        'import path ("./bar") must be a subdirectory of build config directory ("foo")',
  );
});

Deno.test("selectBuildConfig finds a build by exact import path, with or without ko://", async () => {
  const loaded = await loadKoConfig({
    cwd: MULTIMOD,
    env: goEnvironment({ KO_CONFIG_PATH: `${MULTIMOD}/../multimod.ko.yaml` }),
  });
  const foo = loaded.builds.find((b) => b.id === "foo")!;
  equal(
    await selectBuildConfig(
      loaded,
      "example.com/testapp/cmd/foo",
      MULTIMOD,
      goEnvironment(),
      new GoLister(),
    ),
    foo,
  );
  equal(
    await selectBuildConfig(
      loaded,
      "ko://example.com/testapp/cmd/foo",
      MULTIMOD,
      goEnvironment(),
      new GoLister(),
    ),
    foo,
  );
  equal(
    await selectBuildConfig(loaded, "example.com/other", MULTIMOD, goEnvironment(), new GoLister()),
    undefined,
  );
  equal(
    await selectBuildConfig(
      config(),
      "example.com/testapp/cmd/foo",
      MULTIMOD,
      goEnvironment(),
      new GoLister(),
    ),
    undefined,
  );
});

Deno.test("selectBuildConfig resolves local paths through the build's dir", async () => {
  const loaded = await loadKoConfig({
    cwd: MULTIMOD,
    env: goEnvironment({ KO_CONFIG_PATH: `${MULTIMOD}/../multimod.ko.yaml` }),
  });
  const env = goEnvironment();
  // ./app/cmd/bar has no build of its own, but lies in the `app` build's directory (module).
  equal(
    (await selectBuildConfig(loaded, "./app/cmd/bar", MULTIMOD, env, new GoLister()))?.id,
    "foo",
  );
  equal(
    (await selectBuildConfig(loaded, "./app/cmd/foo", MULTIMOD, env, new GoLister()))?.id,
    "foo",
  );
  // Paths outside every build's dir fall back to the default build.
  equal(await selectBuildConfig(loaded, "../elsewhere", MULTIMOD, env, new GoLister()), undefined);
  // The root module's build matches its own local path.
  equal((await selectBuildConfig(loaded, "./cmd/root", MULTIMOD, env, new GoLister()))?.id, "root");
});

Deno.test("selectBuildConfig with '.' from inside a build's directory", async () => {
  const here = `${MULTIMOD}/app/cmd/foo`;
  const loaded = await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ko.yaml`, "builds:\n- id: here\n");
    return await loadKoConfig({
      cwd: here,
      env: goEnvironment({ KO_CONFIG_PATH: `${dir}/ko.yaml` }),
    });
  });
  equal(loaded.builds[0]?.importPath, "example.com/testapp/cmd/foo");
  equal((await selectBuildConfig(loaded, ".", here, goEnvironment(), new GoLister()))?.id, "here");
});

Deno.test("selectBuildConfig matches a local path to a build's directory even if its package differs", async () => {
  const cfg = config({
    builds: [build({ id: "by-dir", dir: "app", importPath: "example.com/elsewhere" })],
  });
  equal(
    (await selectBuildConfig(cfg, "./app/cmd/foo", MULTIMOD, goEnvironment(), new GoLister()))?.id,
    "by-dir",
  );
  equal(
    await selectBuildConfig(cfg, "./cmd/root", MULTIMOD, goEnvironment(), new GoLister()),
    undefined,
  );
});

// Precedence (ko 2.5 and its tests).

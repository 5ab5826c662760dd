import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type KoConfig, loadKoConfig } from "../../src/config/ko_config.ts";
import { captureLogs, errorOf, goEnvironment, MULTIMOD, withTempDir } from "./helpers.ts";

/**
 * Loads a config written to a temp file (through KO_CONFIG_PATH) with the multi-module fixture
 * as the working directory, so `dir`/`main` resolve against the fixture, not the file's place.
 */
async function loadBuilds(yaml: string, cwd = MULTIMOD): Promise<KoConfig> {
  return await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ko.yaml`, yaml);
    return await loadKoConfig({ cwd, env: goEnvironment({ KO_CONFIG_PATH: `${dir}/ko.yaml` }) });
  });
}

Deno.test("builds entries resolve to import paths with go list, relative to the working directory", async () => {
  const config = await loadBuilds(
    "builds:\n- id: foo\n  dir: ./app\n  main: ./cmd/foo\n- main: ./cmd/root\n",
  );
  deepEqual(config.builds.map((b) => [b.id, b.dir, b.main, b.importPath]), [
    ["foo", "./app", "./cmd/foo", "example.com/testapp/cmd/foo"],
    ["#1", ".", "./cmd/root", "example.com/root/cmd/root"],
  ]);
});

Deno.test("a builds main naming a file or a dir resolves to its package (ko's createBuildConfigMap cases)", async () => {
  const { result: config, lines } = await captureLogs(() =>
    loadBuilds(
      "builds:\n" +
        "- main: cmd/root\n" +
        "- main: cmd/root/main.go\n" +
        "- dir: cmd/root\n" +
        "- dir: cmd/root\n  main: main.go\n" +
        "- dir: app\n  main: cmd/bar/main.go\n",
    )
  );
  deepEqual(config.builds.map((b) => b.importPath), [
    "example.com/root/cmd/root",
    "example.com/root/cmd/root",
    "example.com/root/cmd/root",
    "example.com/root/cmd/root",
    "example.com/testapp/cmd/bar",
  ]);
  // Four entries build the same package: the later ones win, and that is said.
  equal(lines.length, 3);
});

Deno.test("builds entries keep every key, with GoReleaser-style scalar forms", async () => {
  const config = await loadBuilds(
    "builds:\n" +
      "- ID: lists\n  Dir: app\n  Main: ./cmd/foo\n  env: [CGO_ENABLED=1, A=b c]\n" +
      "  flags: [-tags, netgo]\n  ldflags: [-s, -w]\n  linux_capabilities: [net_bind_service, chown]\n" +
      "- id: scalars\n  main: ./cmd/root\n  env: [FOO=bar baz]\n  flags: -tags  netgo -v\n" +
      "  ldflags: -s -w -X main.v={{.Git.Tag}}\n  LINUX_CAPABILITIES: net_bind_service chown\n",
  );
  const [lists, scalars] = config.builds;
  deepEqual(lists, {
    id: "lists",
    dir: "app",
    main: "./cmd/foo",
    env: ["CGO_ENABLED=1", "A=b c"],
    flags: ["-tags", "netgo"],
    ldflags: ["-s", "-w"],
    linuxCapabilities: ["net_bind_service", "chown"],
    importPath: "example.com/testapp/cmd/foo",
  });
  deepEqual(scalars, {
    id: "scalars",
    dir: ".",
    main: "./cmd/root",
    env: ["FOO=bar baz"],
    flags: ["-tags", "netgo", "-v"],
    ldflags: ["-s -w -X main.v={{.Git.Tag}}"],
    linuxCapabilities: ["net_bind_service", "chown"],
    importPath: "example.com/root/cmd/root",
  });
});

Deno.test("a builds env that is not a list is a type error (ko's field is a plain list)", async () => {
  for (
    const [value, got] of [
      ["GOARCH=arm64", 'a string ("GOARCH=arm64")'],
      ["3", "a number (3)"],
      ["{GOARCH: arm64}", "a mapping"],
    ]
  ) {
    const message = await errorOf(() =>
      loadBuilds(`builds:\n- main: ./cmd/root\n  env: ${value}\n`)
    );
    ok(
      message.endsWith(
        `ko.yaml:3:8: 'builds' entry #0 'env' must be a list of KEY=VALUE entries, got ${got}: ` +
          "write it as a list, such as env: [CGO_ENABLED=1]",
      ),
      message,
    );
  }
  // flags, ldflags and linux_capabilities take a string on purpose (ko's FlagArray and
  // StringArray); a mapping is refused.
  const message = await errorOf(() =>
    loadBuilds("builds:\n- main: ./cmd/root\n  ldflags: {a: b}\n")
  );
  match(message, /3:12: 'builds' entry #0 'ldflags' must be a list or a string, got a mapping$/);
});

Deno.test("a repeated builds id is refused with both places", async () => {
  const message = await errorOf(() =>
    loadBuilds("builds:\n- id: app\n  main: ./cmd/root\n- id: app\n  main: ./cmd/root\n")
  );
  ok(
    /ko\.yaml:4:7: 'builds' entry #1 repeats the id "app" \(first at .*ko\.yaml:2:7\): each build needs its own id$/
      .test(message),
    message,
  );
});

Deno.test("a missing builds main fails with its position", async () => {
  const message = await errorOf(() => loadBuilds("builds:\n- dir: app\n  main: ./cmd/nope\n"));
  match(
    message,
    /ko\.yaml:3:9: 'builds': entry #0: stat app\/cmd\/nope: no such file or directory$/,
  );
});

Deno.test("a builds main with a package pattern fails like ko (the path must exist)", async () => {
  const message = await errorOf(() => loadBuilds("builds:\n- dir: app\n  main: ./cmd/...\n"));
  match(
    message,
    /ko\.yaml:3:9: 'builds': entry #0: stat app\/cmd\/\.\.\.: no such file or directory$/,
  );
});

Deno.test("a builds dir outside any module fails with ko's message", async () => {
  await withTempDir(async (cwd) => {
    await Deno.mkdir(`${cwd}/cmd`);
    await Deno.writeTextFile(`${cwd}/cmd/main.go`, "package main\nfunc main() {}\n");
    const message = await errorOf(() => loadBuilds("builds:\n- main: ./cmd\n", cwd));
    match(
      message,
      /ko\.yaml:2:9: 'builds': entry #0 does not contain a valid local import path \(\.\/cmd\) for directory \(\.\): .*go\.mod file not found/,
    );
  });
});

Deno.test("a builds entry without Go files is ignored with a warning, as it is useless in ko", async () => {
  const { result, lines } = await captureLogs(() =>
    loadBuilds("builds:\n- main: ./empty\n- main: ./lib\n")
  );
  deepEqual(result.builds.map((b) => b.importPath), ["example.com/root/lib"]);
  equal(lines.length, 1);
  match(lines[0]!, /WARNING: .*ko\.yaml:2:9: 'builds' entry #0 is ignored: no Go files in /);
});

Deno.test("unknown builds keys are warned about; a later duplicate import path wins", async () => {
  const { result, lines } = await captureLogs(() =>
    loadBuilds(
      "builds:\n- id: a\n  main: ./cmd/root\n  goos: [linux]\n- id: b\n  main: cmd/root/main.go\n",
    )
  );
  deepEqual(result.builds.map((b) => b.id), ["a", "b"]);
  equal(lines.length, 2);
  match(lines[0]!, /WARNING: .*ko\.yaml:4:3: unknown key "goos" in 'builds' entry #0 is ignored/);
  match(
    lines[1]!,
    /WARNING: 'builds' entries #0 and #1 both build example\.com\/root\/cmd\/root; #1 is used/,
  );
});

Deno.test("a misspelt builds key is warned about with the key it was probably meant to be", async () => {
  const { lines } = await captureLogs(() =>
    loadBuilds(
      "builds:\n- main: ./cmd/root\n  linuxCapabilities: [chown]\n  ldflag: [-s]\n  gcflags: [x]\n",
    )
  );
  deepEqual(lines.map((l) => l.replace(/^.*WARNING: .*ko\.yaml:/, "")), [
    `3:3: unknown key "linuxCapabilities" in 'builds' entry #0 is ignored (did you mean "linux_capabilities"?)`,
    `4:3: unknown key "ldflag" in 'builds' entry #0 is ignored (did you mean "ldflags"?)`,
    `5:3: unknown key "gcflags" in 'builds' entry #0 is ignored`,
  ]);
});

Deno.test("builds env entries without '=' fail where they are written", async () => {
  const message = await errorOf(() =>
    loadBuilds("builds:\n- main: ./cmd/root\n  env:\n  - A=1\n  - BROKEN\n")
  );
  match(
    message,
    /ko\.yaml:5:5: 'builds' entry #0 'env': invalid environment variable entry "BROKEN": expected KEY=VALUE$/,
  );
});

Deno.test("YAML anchors and merge keys share settings between builds, as Go's yaml allows", async () => {
  const { result: config, lines } = await captureLogs(() =>
    loadBuilds(
      "common: &common\n  flags: [-tags, netgo]\n  ldflags: [-s -w]\n" +
        "builds:\n- <<: *common\n  id: root\n  main: ./cmd/root\n" +
        "- <<: *common\n  id: foo\n  dir: app\n  main: ./cmd/foo\n  Flags: [-v]\n",
    )
  );
  deepEqual(config.builds.map((b) => [b.id, b.flags, b.ldflags]), [
    ["root", ["-tags", "netgo"], ["-s -w"]],
    ["foo", ["-v"], ["-s -w"]],
  ]);
  // The anchor's holder is still an unknown key, and said so.
  equal(lines.length, 1);
  match(lines[0]!, /ko\.yaml:1:1: unknown key "common" is ignored/);
});

Deno.test("builds lists written as [] are marked as clearing their defaults; null or absent ones are not", async () => {
  const config = await loadBuilds(
    "builds:\n- main: ./cmd/root\n  env: []\n  flags: []\n  ldflags:\n" +
      "- dir: ./app\n  main: ./cmd/foo\n  ldflags: []\n",
  );
  deepEqual(config.builds.map((b) => [...(b.emptyLists ?? [])]), [["env", "flags"], ["ldflags"]]);
});

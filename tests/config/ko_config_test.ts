import { deepEqual, equal, match, ok } from "node:assert/strict";
import { DEFAULT_BASE_IMAGE, type KoConfig, loadKoConfig } from "../../src/config/ko_config.ts";
import { captureLogs, errorOf, goEnvironment, withTempDir } from "./helpers.ts";

/** Loads `.ko.yaml` text written into a temp working directory. */
async function load(
  yaml: string,
  env: Record<string, string> = {},
  name = ".ko.yaml",
): Promise<KoConfig> {
  return await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/${name}`, yaml);
    return await loadKoConfig({ cwd: dir, env: goEnvironment(env) });
  });
}

/** The error loading `.ko.yaml` text gives. */
function loadError(yaml: string, env: Record<string, string> = {}, name = ".ko.yaml") {
  return errorOf(() => load(yaml, env, name));
}

Deno.test("loadKoConfig without a file gives ko's defaults", async () => {
  const config = await withTempDir((dir) => loadKoConfig({ cwd: dir, env: goEnvironment() }));
  deepEqual(config, {
    defaultBaseImage: DEFAULT_BASE_IMAGE,
    baseImageOverrides: {},
    defaultPlatforms: [],
    defaultEnv: [],
    defaultFlags: [],
    defaultLdflags: [],
    builds: [],
  });
  equal(DEFAULT_BASE_IMAGE, "cgr.dev/chainguard/static:latest");
});

Deno.test("loadKoConfig reads ko's own testdata config like ko", async () => {
  const config = await load(
    "defaultBaseImage: alpine\ndefaultPlatforms: all\ndefaultEnv: FOO=bar\n" +
      "defaultFlags:\n  - -tags\n  - netgo\ndefaultLdflags:\n  - -s -w\n",
  );
  equal(config.defaultBaseImage, "alpine");
  deepEqual(config.defaultPlatforms, ["all"]);
  deepEqual(config.defaultEnv, ["FOO=bar"]);
  deepEqual(config.defaultFlags, ["-tags", "netgo"]);
  deepEqual(config.defaultLdflags, ["-s -w"]);
  ok(config.file?.endsWith("/.ko.yaml"));
});

Deno.test("loadKoConfig keeps list order and converts scalar items to strings", async () => {
  const config = await load(
    "defaultPlatforms: [linux/arm64, linux/amd64]\ndefaultFlags: [-v, 1]\n",
  );
  deepEqual(config.defaultPlatforms, ["linux/arm64", "linux/amd64"]);
  deepEqual(config.defaultFlags, ["-v", "1"]);
});

Deno.test("loadKoConfig splits string values of list keys on whitespace", async () => {
  const config = await load(
    "defaultPlatforms: linux/amd64 linux/arm64\ndefaultFlags: '-tags netgo'\n" +
      "defaultLdflags: -s -w\ndefaultEnv: A=1  B=2\n",
  );
  deepEqual(config.defaultPlatforms, ["linux/amd64", "linux/arm64"]);
  deepEqual(config.defaultFlags, ["-tags", "netgo"]);
  deepEqual(config.defaultLdflags, ["-s", "-w"]);
  deepEqual(config.defaultEnv, ["A=1", "B=2"]);
  // A comma list stays one entry; platform parsing splits it later (ko 5.4).
  deepEqual((await load("defaultPlatforms: linux/amd64,linux/arm64\n")).defaultPlatforms, [
    "linux/amd64,linux/arm64",
  ]);
});

Deno.test("loadKoConfig splits a defaultPlatforms string written 'a, b' on the commas too", async () => {
  // ko splits on whitespace only and then builds for the platform "linux/amd64,".
  const want = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
  const text = "linux/amd64, linux/arm64 ,linux/arm/v7";
  deepEqual((await load(`defaultPlatforms: ${text}\n`)).defaultPlatforms, want);
  deepEqual((await load("", { KO_DEFAULTPLATFORMS: text })).defaultPlatforms, want);
  // List items are kept as written.
  deepEqual(
    (await load("defaultPlatforms: [linux/amd64, 'linux/arm64,linux/386']\n")).defaultPlatforms,
    [
      "linux/amd64",
      "linux/arm64,linux/386",
    ],
  );
});

Deno.test("loadKoConfig never splits inside a template action", async () => {
  const config = await load("defaultLdflags: -s -X main.v={{ .Git.Tag }}\n");
  deepEqual(config.defaultLdflags, ["-s", "-X", "main.v={{ .Git.Tag }}"]);
});

Deno.test("loadKoConfig matches keys case-insensitively", async () => {
  const config = await load(
    "DefaultBaseImage: alpine\nDEFAULTPLATFORMS: linux/arm64\nbaseimageoverrides: {}\n",
  );
  equal(config.defaultBaseImage, "alpine");
  deepEqual(config.defaultPlatforms, ["linux/arm64"]);
});

Deno.test("loadKoConfig treats an empty list as unset (ko #1568)", async () => {
  const config = await load("defaultFlags: []\ndefaultLdflags: []\ndefaultPlatforms:\n");
  deepEqual(config.defaultFlags, []);
  deepEqual(config.defaultLdflags, []);
  deepEqual(config.defaultPlatforms, []);
});

Deno.test("loadKoConfig lowercases baseImageOverrides keys and accepts scratch", async () => {
  const config = await load(
    "defaultBaseImage: scratch\nbaseImageOverrides:\n  Example.com/App/Cmd/X: alpine:3.20\n" +
      "  example.com/app/cmd/y: scratch\n",
  );
  equal(config.defaultBaseImage, "scratch");
  deepEqual(config.baseImageOverrides, {
    "example.com/app/cmd/x": "alpine:3.20",
    "example.com/app/cmd/y": "scratch",
  });
});

Deno.test("loadKoConfig matches a ko:// baseImageOverrides key and warns about local paths", async () => {
  const { result: config, lines } = await captureLogs(() =>
    load(
      "baseImageOverrides:\n  ko://example.com/App/cmd/x: alpine:3.20\n  ./cmd/y: busybox\n",
    )
  );
  // Before: the ko:// key was kept as written and so never matched any import path.
  deepEqual(config.baseImageOverrides, {
    "example.com/app/cmd/x": "alpine:3.20",
    "./cmd/y": "busybox",
  });
  equal(lines.length, 1);
  match(
    lines[0]!,
    /WARNING: \.ko\.yaml:3:3: 'baseImageOverrides' key "\.\/cmd\/y" is a local path and never matches: keys are full import paths/,
  );
  const fromEnv = await captureLogs(() =>
    load("", { KO_BASEIMAGEOVERRIDES: '{"ko://example.com/a": "alpine", "../b": "alpine"}' })
  );
  deepEqual(fromEnv.result.baseImageOverrides, { "example.com/a": "alpine", "../b": "alpine" });
  match(
    fromEnv.lines.join("\n"),
    /WARNING: KO_BASEIMAGEOVERRIDES: 'baseImageOverrides' key "\.\.\/b"/,
  );
});

Deno.test("loadKoConfig reports bad image references with their position", async () => {
  match(
    await loadError("defaultBaseImage: 'Not A Ref'\n"),
    /^\.ko\.yaml:1:19: 'defaultBaseImage': error parsing "Not A Ref" as image reference: /,
  );
  match(
    await loadError("baseImageOverrides:\n  example.com/x: 'bad ref'\n"),
    /^\.ko\.yaml:2:18: 'baseImageOverrides': error parsing "bad ref" as image reference: /,
  );
  match(
    await loadError("baseImageOverrides:\n  example.com/x:\n"),
    /^\.ko\.yaml:2:3: 'baseImageOverrides': error parsing "" as image reference: /,
  );
});

Deno.test("loadKoConfig reports wrong types with file, line and column", async () => {
  equal(
    await loadError("builds: 3\n"),
    ".ko.yaml:1:9: configuration section 'builds' cannot be parsed: expected a list of build " +
      "configs, got a number (3)",
  );
  equal(
    await loadError("defaultPlatforms: {a: 1}\n"),
    ".ko.yaml:1:19: 'defaultPlatforms' must be a list or a string, got a mapping",
  );
  equal(
    await loadError("defaultFlags:\n  - -v\n  - [x]\n"),
    ".ko.yaml:3:5: 'defaultFlags' items must be strings, got a list",
  );
  equal(
    await loadError("defaultBaseImage: [alpine]\n"),
    ".ko.yaml:1:19: 'defaultBaseImage' must be a string, got a list",
  );
  equal(
    await loadError("baseImageOverrides: alpine\n"),
    ".ko.yaml:1:21: 'baseImageOverrides' must be a mapping, got a string (\"alpine\")",
  );
  equal(
    await loadError("- a\n- b\n"),
    ".ko.yaml:1:1: the configuration must be a mapping, got a list",
  );
  equal(
    await loadError("builds:\n  - id: a\n    flags: {x: 1}\n"),
    ".ko.yaml:3:12: 'builds' entry #0 'flags' must be a list or a string, got a mapping",
  );
  equal(
    await loadError("builds:\n  - 7\n"),
    ".ko.yaml:2:5: 'builds' entry #0 must be a mapping, got a number (7)",
  );
});

Deno.test("loadKoConfig reports YAML syntax errors and duplicate keys with positions", async () => {
  match(
    await loadError("defaultFlags: [a, b\n"),
    /^error reading config file: \.ko\.yaml:\d+:\d+: /,
  );
  match(
    await loadError("defaultBaseImage: a\ndefaultBaseImage: b\n"),
    /^error reading config file: \.ko\.yaml:2:1: Map keys must be unique/,
  );
  equal(
    await loadError("defaultBaseImage: a\nDefaultBaseImage: b\n"),
    '.ko.yaml:2:1: duplicate key "DefaultBaseImage" (keys are case-insensitive; first at .ko.yaml:1:1)',
  );
});

Deno.test("loadKoConfig reads the first of several YAML documents, as ko does, and warns", async () => {
  const { result: config, lines } = await captureLogs(() =>
    load("---\ndefaultBaseImage: alpine\n---\ndefaultBaseImage: busybox\n---\nfoo: 1\n")
  );
  equal(config.defaultBaseImage, "alpine");
  equal(lines.length, 1);
  match(
    lines[0]!,
    /WARNING: \.ko\.yaml:3:1: only the first YAML document is read; this one and any after it are ignored$/,
  );
  // Nothing is lost with an empty document after the first: no warning.
  for (const text of ["defaultBaseImage: alpine\n---\n", "defaultBaseImage: alpine\n---\n# x\n"]) {
    const quiet = await captureLogs(() => load(text));
    equal(quiet.result.defaultBaseImage, "alpine");
    deepEqual(quiet.lines, []);
  }
  // A syntax error in the first document is still one.
  match(
    (await captureLogs(() => loadError("defaultFlags: [a\n---\nx: 1\n"))).result,
    /^error reading config file: \.ko\.yaml:\d+:\d+: (?!Source contains multiple)/,
  );
});

Deno.test("loadKoConfig refuses env entries without '=' where they are written", async () => {
  equal(
    await loadError("defaultEnv:\n  - A=1\n  - NOPE\n"),
    ".ko.yaml:3:5: 'defaultEnv': invalid environment variable entry \"NOPE\": expected KEY=VALUE",
  );
  equal(
    await loadError("", { KO_DEFAULTENV: "A=1 B" }),
    "KO_DEFAULTENV: 'defaultEnv': invalid environment variable entry \"B\": expected KEY=VALUE",
  );
});

Deno.test("loadKoConfig warns about unknown keys, naming them and where they are", async () => {
  const { lines } = await captureLogs(() =>
    load("defaultBaseImage: alpine\nflags: [-v]\nbuild: []\n")
  );
  equal(lines.length, 2);
  match(
    lines[0]!,
    /WARNING: \.ko\.yaml:2:1: unknown key "flags" is ignored \(did you mean "defaultFlags"\?\)/,
  );
  match(lines[1]!, /WARNING: \.ko\.yaml:3:1: unknown key "build" is ignored \(known keys: /);
});

Deno.test("loadKoConfig reads JSON, with positions in errors", async () => {
  const config = await load(
    '{\n\t"defaultBaseImage": "alpine",\n\t"defaultPlatforms": ["linux/arm64"]\n}\n',
    {},
    ".ko.json",
  );
  equal(config.defaultBaseImage, "alpine");
  deepEqual(config.defaultPlatforms, ["linux/arm64"]);
  equal(
    await loadError('{\n  "builds": 3\n}\n', {}, ".ko.json"),
    ".ko.json:2:13: configuration section 'builds' cannot be parsed: expected a list of build " +
      "configs, got a number (3)",
  );
});

Deno.test("KO_* variables override the file for the documented keys only", async () => {
  const yaml = "defaultBaseImage: alpine\ndefaultPlatforms: [linux/amd64]\ndefaultEnv: [A=1]\n" +
    "defaultFlags: [-v]\ndefaultLdflags: [-s]\nbaseImageOverrides: {example.com/x: alpine}\n";
  const config = await load(yaml, {
    KO_DEFAULTBASEIMAGE: "ghcr.io/me/base:1",
    KO_DEFAULTPLATFORMS: "linux/arm64 linux/s390x",
    KO_DEFAULTENV: "B=2",
    KO_DEFAULTFLAGS: "-tags netgo",
    KO_DEFAULTLDFLAGS: "-w",
    KO_BASEIMAGEOVERRIDES: '{"Example.com/Y": "busybox"}',
  });
  equal(config.defaultBaseImage, "ghcr.io/me/base:1");
  deepEqual(config.defaultPlatforms, ["linux/arm64", "linux/s390x"]);
  deepEqual(config.defaultEnv, ["B=2"]);
  deepEqual(config.defaultFlags, ["-tags", "netgo"]);
  deepEqual(config.defaultLdflags, ["-w"]);
  deepEqual(config.baseImageOverrides, { "example.com/y": "busybox" });
});

Deno.test("KO_* variables work without a file, and empty ones count as unset", async () => {
  const config = await withTempDir((dir) =>
    loadKoConfig({
      cwd: dir,
      env: goEnvironment({ KO_DEFAULTPLATFORMS: "linux/arm64", KO_DEFAULTBASEIMAGE: "" }),
    })
  );
  deepEqual(config.defaultPlatforms, ["linux/arm64"]);
  equal(config.defaultBaseImage, DEFAULT_BASE_IMAGE);
});

Deno.test("KO_FLAGS, KO_BUILDS and other look-alikes are ignored (ko #1317)", async () => {
  const { result: config, lines } = await captureLogs(() =>
    load("defaultFlags: [-v]\n", {
      KO_FLAGS: "-toolexec=/bin/evil",
      KO_BUILDS: "[{}]",
      KO_LDFLAGS: "-X main.x=1",
      KO_ENV: "A=B",
      KO_DEFAULTFLAG: "-x",
      KO_PLATFORMS: "linux/s390x",
    })
  );
  deepEqual(config.defaultFlags, ["-v"]);
  deepEqual(config.defaultLdflags, []);
  deepEqual(config.defaultEnv, []);
  deepEqual(config.defaultPlatforms, []);
  deepEqual(config.builds, []);
  deepEqual(lines, []);
});

Deno.test("KO_BASEIMAGEOVERRIDES must be a JSON object of references", async () => {
  match(
    await loadError("", { KO_BASEIMAGEOVERRIDES: "{nope" }),
    /^KO_BASEIMAGEOVERRIDES: invalid JSON/,
  );
  match(
    await loadError("", { KO_BASEIMAGEOVERRIDES: "[1]" }),
    /^KO_BASEIMAGEOVERRIDES: expected a JSON object/,
  );
  match(
    await loadError("", { KO_BASEIMAGEOVERRIDES: '{"a": 1}' }),
    /^KO_BASEIMAGEOVERRIDES: the value for "a" must be a string/,
  );
  match(
    await loadError("", { KO_BASEIMAGEOVERRIDES: '{"a": "Bad Ref"}' }),
    /^KO_BASEIMAGEOVERRIDES: 'baseImageOverrides': error parsing "Bad Ref" as image reference/,
  );
  match(
    await loadError("", { KO_DEFAULTBASEIMAGE: "Bad Ref" }),
    /^KO_DEFAULTBASEIMAGE: 'defaultBaseImage': error parsing "Bad Ref" as image reference/,
  );
});

Deno.test("the config file is found as viper finds it: .ko.json beats .ko.yaml, then .yml", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/.ko.yaml`, "defaultBaseImage: yaml\n");
    await Deno.writeTextFile(`${dir}/.ko.yml`, "defaultBaseImage: yml\n");
    await Deno.writeTextFile(`${dir}/.ko.json`, '{"defaultBaseImage": "json"}');
    const env = goEnvironment();
    equal((await loadKoConfig({ cwd: dir, env })).defaultBaseImage, "json");
    await Deno.remove(`${dir}/.ko.json`);
    equal((await loadKoConfig({ cwd: dir, env })).defaultBaseImage, "yaml");
    await Deno.remove(`${dir}/.ko.yaml`);
    equal((await loadKoConfig({ cwd: dir, env })).defaultBaseImage, "yml");
    // A directory named like the file is skipped.
    await Deno.mkdir(`${dir}/.ko.json`);
    equal((await loadKoConfig({ cwd: dir, env })).defaultBaseImage, "yml");
  });
});

Deno.test("a config file type viper knows but we cannot read is a clear error", async () => {
  match(
    await loadError('defaultBaseImage = "x"\n', {}, ".ko.toml"),
    /^error reading config file: unsupported config type "toml" \(\.ko\.toml\): use YAML/,
  );
});

Deno.test("KO_CONFIG_PATH may name a file or a directory holding .ko.yaml", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/conf`);
    await Deno.writeTextFile(`${dir}/conf/.ko.yaml`, "defaultBaseImage: from-dir\n");
    await Deno.writeTextFile(`${dir}/conf/my-ko.yaml`, "defaultBaseImage: from-file\n");
    await Deno.writeTextFile(`${dir}/.ko.yaml`, "defaultBaseImage: from-cwd\n");
    const load = (p: string) =>
      loadKoConfig({ cwd: dir, env: goEnvironment({ KO_CONFIG_PATH: p }) });
    equal((await load("conf")).defaultBaseImage, "from-dir");
    equal((await load("conf/my-ko.yaml")).defaultBaseImage, "from-file");
    equal((await load(`${dir}/conf/my-ko.yaml`)).defaultBaseImage, "from-file");
    equal((await load("")).defaultBaseImage, "from-cwd");
  });
});

Deno.test("KO_CONFIG_PATH errors use ko's texts", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/testdata/bad-config/.ko.yaml`, { recursive: true });
    const load = (p: string) =>
      errorOf(() => loadKoConfig({ cwd: dir, env: goEnvironment({ KO_CONFIG_PATH: p }) }));
    equal(
      await load("testdata"),
      "error looking for config file: stat testdata/.ko.yaml: no such file or directory",
    );
    equal(
      await load("testdata/bad-config"),
      "config file testdata/bad-config/.ko.yaml is not a regular file",
    );
    equal(
      await load("nope.yaml"),
      "error looking for config file: stat nope.yaml: no such file or directory",
    );
  });
});

Deno.test("loadKoConfig reads sign.key with its place; other sign keys are warned about", async () => {
  const { result, lines } = await captureLogs(() =>
    load("sign:\n  key: keys/cosign.key\n  keyless: true\n")
  );
  deepEqual(result.signKey, { value: "keys/cosign.key", place: ".ko.yaml:2:8" });
  match(
    lines.join("\n"),
    /\.ko\.yaml:3:3: unknown key "sign\.keyless" is ignored \(known keys: sign\.key\)/,
  );
  match(await loadError("sign: cosign.key\n"), /\.ko\.yaml:1:7: .*'sign'/);
});

Deno.test("a .ko.yaml that is not UTF-8 fails with the position of the first bad byte", async () => {
  const message = await errorOf(() =>
    withTempDir(async (dir) => {
      const head = new TextEncoder().encode("defaultBaseImage: alpine\nbuilds: ");
      const garbage = new Uint8Array(4096).map((_, i) => (i * 151 + 7) % 256);
      await Deno.writeFile(`${dir}/.ko.yaml`, new Uint8Array([...head, 0xfe, ...garbage]));
      return await loadKoConfig({ cwd: dir, env: goEnvironment() });
    })
  );
  equal(
    message,
    "error reading config file: .ko.yaml:2:9: not UTF-8 text (byte 0xfe): YAML and JSON files are UTF-8",
  );
});

Deno.test("a type error quotes at most 200 characters of the value", async () => {
  const message = await loadError(`builds: "${"v".repeat(5000)}"\n`);
  equal(
    message,
    `.ko.yaml:1:9: configuration section 'builds' cannot be parsed: expected a list of build ` +
      `configs, got a string ("${"v".repeat(200)}…" (5000 characters))`,
  );
});

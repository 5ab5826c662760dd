/**
 * The bad-input table: flags, environment, `.ko.yaml`, Go packages, kodata, registries,
 * `resolve -f` files and credentials files that ko must refuse. Every case asserts the exit
 * code, exactly one clear `Error:` line, no stack trace (no `    at ` line) without `-v`,
 * nothing written to its output directory (tarball, layout, `--image-refs` file), and no tag
 * in the repositories it would push to. One registry, one Go module and one set of fixture
 * bases serve every case; the cases run one after another in-process (ko's log sink is
 * process-wide), most of them ending before anything is built.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { freePort, runOk, tempDir } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";

const MAIN = "package main\n\nfunc main() {}\n";

/** One bad input. */
interface Case {
  name: string;
  /**
   * Arguments after `ko`; `{out}` is replaced by the case's own (empty) output directory,
   * `{registry}` by the registry's host and `{home}` by a home directory of the case's own.
   */
  args: string[];
  /** Added to the shared environment; `{out}` replaced as in `args`. */
  env?: Record<string, string>;
  /** Variables of the shared environment this case removes. */
  unset?: string[];
  /** `.ko.yaml` content, given to ko through KO_CONFIG_PATH. */
  config?: string | Uint8Array;
  /**
   * Files written into the output directory before the run (kept, not outputs); `~/…` ones
   * go to the case's home directory instead.
   */
  inputs?: Record<string, string | Uint8Array>;
  /** Default 1. */
  code?: number;
  /** The one `Error:` line. */
  error: RegExp;
  /** The longest the error line may be (default 600 characters). */
  maxLength?: number;
}

/** A 4 KB file of arbitrary bytes, the same on every run (not UTF-8). */
function garbage(): Uint8Array {
  let x = 0x2545f491;
  return new Uint8Array(4096).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

Deno.test("bad inputs: one clear error line, no stack trace, no output, no tag", async (t) => {
  const [registry, locked] = await Promise.all([
    startRegistry(),
    startRegistry({ mode: "basic" }),
  ]);
  await using _r = registry;
  await using _l = locked;
  await using tmp = await tempDir("ko-bad-");
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/bad",
    files: {
      "cmd/ok/main.go": PRINT_KODATA_MAIN,
      "cmd/broken/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
      "cmd/escape/main.go": MAIN,
      "cmd/loop/main.go": MAIN,
      "cmd/fifo/main.go": MAIN,
      "cmd/fifo/kodata/a.txt": "a\n",
      "lib/lib.go": "package lib\n\nfunc X() {}\n",
      "deploy.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://example.com/bad/cmd/ok\n",
      "missing.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://example.com/bad/cmd/nope\n",
      "broken.yaml": "apiVersion: v1\nkind: Pod\nspec: [image: ko://x\n",
    },
    symlinks: {
      "cmd/escape/kodata/passwd": "/etc/passwd",
      "cmd/loop/kodata/self": "../kodata",
    },
  });
  await runOk("mkfifo", [join(src, "cmd/fifo/kodata/pipe")]);
  // Go's caches stay put when a case moves HOME.
  const goEnv = JSON.parse(
    (await runOk("go", ["env", "-json", "GOCACHE", "GOPATH", "GOMODCACHE"])).stdout,
  ) as Record<string, string>;
  const emptyDockerConfig = join(tmp.path, "docker-empty");
  await Deno.mkdir(emptyDockerConfig);
  const closed = `127.0.0.1:${freePort()}`;
  const zeros = "0".repeat(64);
  const base = bases.ociImage.ref;

  const cases: Case[] = [
    // Flags.
    {
      name: "unknown flag",
      args: ["build", "--frobnicate", "./cmd/ok"],
      error: /^Error: unknown flag: --frobnicate$/,
    },
    { name: "unknown verb", args: ["buidl", "./cmd/ok"], error: /^Error: unknown command "buidl"/ },
    {
      name: "--platform os only unknown",
      args: ["build", "--platform=nope", "./cmd/ok"],
      error: /does not match desired platforms \[nope\]/,
    },
    {
      name: "--platform trailing comma",
      args: ["build", "--platform=linux/amd64,", "./cmd/ok"],
      error: /invalid platform "": the os is empty/,
    },
    {
      name: "--platform too many parts",
      args: ["build", "--platform=linux/arm/v7/x/y", "./cmd/ok"],
      error: /too many slashes in platform spec: linux\/arm\/v7\/x\/y$/,
    },
    {
      name: "--platform without an os",
      args: [
        "build",
        "--platform=/amd64",
        "--tarball",
        "{out}/img.tar",
        "--push=false",
        "./cmd/ok",
      ],
      error: /invalid platform "\/amd64": the os is empty/,
    },
    {
      name: "--platform not in the base index",
      args: ["build", "--platform=linux/s390x", "--image-refs", "{out}/refs", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "{registry}/fixtures/oci-index" },
      error:
        /no matching platforms in base image index \(it has linux\/amd64, linux\/arm64, linux\/arm\/v7, unknown\/unknown\) for desired platforms \[linux\/s390x\]/,
    },
    {
      name: "--platform with GOOS set",
      args: ["build", "--platform=linux/arm64", "./cmd/ok"],
      env: { GOOS: "linux" },
      error: /cannot use --platform .* combined with GOOS="linux"/,
    },
    {
      name: "--sbom unknown",
      args: ["build", "--sbom=bogus", "./cmd/ok"],
      error: /invalid argument "bogus" for "--sbom" flag/,
    },
    {
      name: "--tag with a space",
      args: ["build", "-t", "bad tag!", "./cmd/ok"],
      error: /invalid tag "bad tag!"/,
    },
    {
      name: "--tag starting with a colon",
      args: ["build", "-t", ":x", "./cmd/ok"],
      error: /invalid tag ":x"/,
    },
    {
      name: "--tags empty",
      args: ["build", "--tags=", "./cmd/ok"],
      error: /at least one tag is required/,
    },
    {
      name: "--tag of 129 characters",
      args: ["build", "-t", "a".repeat(129), "./cmd/ok"],
      error: /invalid tag "a{129}"/,
    },
    {
      name: "--tag of 4 KB is quoted capped",
      args: ["build", "-t", "é".repeat(4096), "./cmd/ok"],
      error: /invalid tag "é{200}…" \(4096 characters\)/,
    },
    {
      name: "--image-label without =",
      args: ["build", "--image-label", "foo", "./cmd/ok"],
      error: /invalid label flag: foo$/,
    },
    {
      name: "--image-label without a key",
      args: ["build", "--image-label", "=x", "./cmd/ok"],
      error: /invalid argument "=x" for "--image-label" flag: the key is empty/,
    },
    {
      name: "--image-annotation without =",
      args: ["build", "--image-annotation", "foo", "./cmd/ok"],
      error: /missing '=' in annotation: foo$/,
    },
    {
      name: "--image-annotation without a key",
      args: ["build", "--image-annotation", "=x", "./cmd/ok"],
      error: /"--image-annotation" flag: the key is empty/,
    },
    {
      name: "--jobs negative",
      args: ["build", "--jobs", "-1", "./cmd/ok"],
      error: /"-j, --jobs" flag: must be 0 \(one per CPU\) or more/,
    },
    {
      name: "--jobs not a number",
      args: ["build", "--jobs", "abc", "./cmd/ok"],
      error: /invalid argument "abc" for "-j, --jobs" flag: expected an integer/,
    },
    {
      name: "--push not a boolean",
      args: ["build", "--push=maybe", "./cmd/ok"],
      error: /invalid argument "maybe" for "--push" flag/,
    },
    {
      name: "--tarball in a missing directory",
      args: ["build", "--tarball", "{out}/no/such/img.tar", "./cmd/ok"],
      error: /--tarball .*does not exist/,
    },
    {
      name: "--image-refs in a missing directory",
      args: ["build", "--image-refs", "{out}/no/such/refs", "./cmd/ok"],
      error: /--image-refs .*does not exist/,
    },
    {
      name: "--oci-layout-path under a file",
      args: ["build", "--oci-layout-path", "{out}/file/layout", "./cmd/ok"],
      inputs: { file: "" },
      error: /--oci-layout-path ".*": a path component is not a directory/,
    },
    {
      name: "--oci-layout-path with a broken index.json",
      args: ["build", "--oci-layout-path", "{out}/layout", "./cmd/ok"],
      inputs: {
        "layout/oci-layout": '{"imageLayoutVersion": "1.0.0"}',
        "layout/index.json": "garbage\n",
      },
      error: /index\.json is not valid JSON/,
    },
    {
      name: "--bare with a registry-only repo",
      args: ["build", "--bare", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "{registry}" },
      error: /is a registry without a repository/,
    },
    { name: "resolve without -f", args: ["resolve"], error: /ko resolve needs input: pass -f/ },
    {
      name: "--image-refs is a directory",
      args: ["build", "--image-refs", "{out}/dir", "./cmd/ok"],
      inputs: { "dir/keep": "" },
      error: /--image-refs ".*dir" is a directory$/,
    },
    {
      name: "--tarball is a directory",
      args: ["build", "--push=false", "--tarball", "{out}/dir", "./cmd/ok"],
      inputs: { "dir/keep": "" },
      error: /--tarball ".*dir" is a directory$/,
    },
    {
      name: "--oci-layout-path is a file",
      args: ["build", "--oci-layout-path", "{out}/file", "./cmd/ok"],
      inputs: { file: "x" },
      error: /--oci-layout-path ".*file" is not a directory$/,
    },
    {
      name: "--sbom-dir is a file",
      args: ["build", "--sbom-dir", "{out}/file", "--image-refs", "{out}/refs", "./cmd/ok"],
      inputs: { file: "x" },
      error: /--sbom-dir .*file is a file, not a directory/,
    },
    {
      name: "--ldflags bad template",
      args: ["build", "--ldflags", "-X main.v={{", "./cmd/ok"],
      error: /--ldflags value "-X main\.v=\{\{": template: argsTmpl:1: unclosed action/,
    },
    {
      name: "--platform all with a platform",
      args: ["build", "--platform=linux/amd64", "--platform=all", "./cmd/ok"],
      error: /all or specific platforms should be used, not both/,
    },
    {
      name: "login to an invalid registry",
      args: ["login", "bad_host!", "-u", "me", "-p", "pw"],
      env: { DOCKER_CONFIG: "{out}/docker" },
      error: /invalid registry "bad_host!"/,
    },
    {
      name: "login without a password",
      args: ["login", "{registry}", "-u", "me"],
      env: { DOCKER_CONFIG: "{out}/docker" },
      error: /a password is required: pass -p or --password-stdin$/,
    },
    {
      name: "version with an argument",
      args: ["version", "extra"],
      error: /ko version takes no arguments, got 1 \("extra"\)/,
    },
    {
      name: "deps of a missing package",
      args: ["deps", "./nope"],
      error: /importpath "\.\/nope" is not supported/,
    },
    // Environment.
    {
      name: "KO_DOCKER_REPO unset",
      args: ["build", "--tarball", "{out}/img.tar", "./cmd/ok"],
      unset: ["KO_DOCKER_REPO"],
      error: /KO_DOCKER_REPO environment variable is unset/,
    },
    {
      name: "KO_DOCKER_REPO uppercase",
      args: ["build", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "{registry}/UPPER" },
      error: /failed to parse ".*\/UPPER" as repository/,
    },
    {
      name: "KO_DOCKER_REPO with https://",
      args: ["build", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "https://{registry}/c" },
      error: /must not start with https:\/\//,
    },
    {
      name: "KO_DOCKER_REPO one-character name",
      args: ["build", "--bare", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "{registry}/x" },
      error: /repository must be between 2 and 255 characters/,
    },
    {
      name: "KO_DOCKER_REPO with a space",
      args: ["build", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "{registry}/a b" },
      error: /failed to parse ".*a b" as repository/,
    },
    {
      name: "KO_DOCKER_REPO with a tag",
      args: ["build", "--bare", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "{registry}/repo:v1" },
      error: /a repository cannot have a tag or digest/,
    },
    {
      name: "KO_DOCKER_REPO ko.local uppercase",
      args: ["build", "./cmd/ok"],
      env: { KO_DOCKER_REPO: "ko.local/UPPER", DOCKER_HOST: "unix://{out}/no.sock" },
      error: /failed to parse "ko\.local\/UPPER" as repository/,
    },
    {
      name: "KO_DEFAULTBASEIMAGE not a reference",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "not a ref" },
      error:
        /KO_DEFAULTBASEIMAGE: 'defaultBaseImage': error parsing "not a ref" as image reference/,
    },
    {
      name: "KO_DEFAULTBASEIMAGE uppercase",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "{registry}/Fixtures/Base" },
      error: /error parsing ".*Fixtures\/Base" as image reference/,
    },
    {
      name: "KO_REGISTRY_TIMEOUT not a duration",
      args: ["build", "./cmd/ok"],
      env: { KO_REGISTRY_TIMEOUT: "soon" },
      error: /KO_REGISTRY_TIMEOUT="soon": expected a duration/,
    },
    {
      name: "KO_REGISTRY_TIMEOUT negative",
      args: ["build", "./cmd/ok"],
      env: { KO_REGISTRY_TIMEOUT: "-5s" },
      error: /KO_REGISTRY_TIMEOUT="-5s": expected a duration/,
    },
    {
      name: "SOURCE_DATE_EPOCH not a number",
      args: ["build", "./cmd/ok"],
      env: { SOURCE_DATE_EPOCH: "yesterday" },
      error: /the environment variable SOURCE_DATE_EPOCH should be the number of seconds/,
    },
    {
      name: "KO_DATA_DATE_EPOCH not a number",
      args: ["build", "./cmd/ok"],
      env: { KO_DATA_DATE_EPOCH: "1e99x" },
      error: /the environment variable KO_DATA_DATE_EPOCH should be the number of seconds/,
    },
    {
      name: "KOCACHE is a regular file",
      args: ["build", "./cmd/ok"],
      env: { KOCACHE: "{out}/cachefile" },
      inputs: { cachefile: "x" },
      error: /KOCACHE should be a directory, .*cachefile is not a directory/,
    },
    {
      name: "KO_CONFIG_PATH missing",
      args: ["build", "./cmd/ok"],
      env: { KO_CONFIG_PATH: "{out}/nope.yaml" },
      error: /error looking for config file: stat .*nope\.yaml: no such file or directory/,
    },
    {
      name: "KO_BASEIMAGEOVERRIDES not JSON",
      args: ["build", "./cmd/ok"],
      env: { KO_BASEIMAGEOVERRIDES: "{nope" },
      error: /KO_BASEIMAGEOVERRIDES: invalid JSON/,
    },
    {
      name: "KO_DEFAULTPLATFORMS bad",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTPLATFORMS: "linux/amd64/v2/x" },
      error: /too many slashes in platform spec/,
    },
    {
      name: "KO_DEFAULTENV without =",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTENV: "NOPE" },
      error: /KO_DEFAULTENV: 'defaultEnv': invalid environment variable entry "NOPE"/,
    },
    {
      name: "KO_GO_PATH missing",
      args: ["build", "./cmd/ok"],
      env: { KO_GO_PATH: "/nonexistent/go" },
      error: /cannot run "\/nonexistent\/go": not found \(check KO_GO_PATH\)/,
    },
    {
      name: "GOARCH alone contradicts the platform",
      args: ["build", "--tarball", "{out}/img.tar", "./cmd/ok"],
      env: { GOARCH: "arm64" },
      error: /GOARCH=arm64 from the environment contradicts the platform linux\/amd64/,
    },
    {
      name: "GOFLAGS with -toolexec",
      args: ["build", "./cmd/ok"],
      env: { GOFLAGS: "-toolexec=/bin/true" },
      error: /cannot set -toolexec=\/bin\/true via GOFLAGS environment variable/,
    },
    // .ko.yaml.
    {
      name: ".ko.yaml syntax error",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- id: [x\n",
      error: /error reading config file: .*\.ko\.yaml:\d+:\d+: /,
    },
    {
      name: ".ko.yaml not a mapping",
      args: ["build", "./cmd/ok"],
      config: "- a\n- b\n",
      error: /the configuration must be a mapping, got a list/,
    },
    {
      name: ".ko.yaml builds is a number",
      args: ["build", "./cmd/ok"],
      config: "builds: 3\n",
      error: /\.ko\.yaml:1:9: configuration section 'builds' cannot be parsed/,
    },
    {
      name: ".ko.yaml builds entry not a mapping",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- ./cmd/ok\n",
      error: /'builds' entry #0 must be a mapping/,
    },
    {
      name: ".ko.yaml env as a string",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  env: GOARCH=arm64\n",
      error: /\.ko\.yaml:3:8: 'builds' entry #0 'env' must be a list of KEY=VALUE entries/,
    },
    {
      name: ".ko.yaml env entry without =",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  env: [NOPE]\n",
      error: /invalid environment variable entry "NOPE"/,
    },
    {
      name: ".ko.yaml flags as a mapping",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  flags: {a: b}\n",
      error: /'flags' must be a list or a string, got a mapping/,
    },
    {
      name: ".ko.yaml ldflags item a list",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  ldflags: [[-s]]\n",
      error: /'ldflags' items must be strings, got a list/,
    },
    {
      name: ".ko.yaml main as a list",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: [./cmd/ok]\n",
      error: /'main' must be a string, got a list/,
    },
    {
      name: ".ko.yaml duplicate key",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  Main: ./cmd/ok\n",
      error: /duplicate key "Main" in 'builds' entry #0/,
    },
    {
      name: ".ko.yaml duplicate build ids",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- id: app\n  main: ./cmd/ok\n- id: app\n  main: ./cmd/broken\n",
      error: /\.ko\.yaml:4:7: 'builds' entry #1 repeats the id "app" \(first at .*:2:7\)/,
    },
    {
      name: ".ko.yaml main missing",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/nope\n",
      error: /'builds': entry #0: stat cmd\/nope: no such file or directory/,
    },
    {
      name: ".ko.yaml build env GOARCH contradiction",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- id: arm\n  main: ./cmd/ok\n  env: [GOARCH=arm64]\n",
      error: /GOARCH=arm64 from 'builds' entry "arm" 'env' contradicts the platform linux\/amd64/,
    },
    {
      name: ".ko.yaml build env GOARM contradiction",
      args: ["build", "--platform=linux/arm/v7", "--image-refs", "{out}/refs", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "{registry}/fixtures/oci-index" },
      config: "builds:\n- main: ./cmd/ok\n  env: [GOARM=6]\n",
      error:
        /GOARM=6 from 'builds' entry #0 'env' contradicts the platform linux\/arm\/v7 being built \(go build would make a linux\/arm\/v6 binary for it\)/,
    },
    {
      name: ".ko.yaml defaultEnv GOOS contradiction",
      args: ["build", "./cmd/ok"],
      config: "defaultEnv: [GOOS=windows]\n",
      error: /GOOS=windows from 'defaultEnv' contradicts the platform linux\/amd64/,
    },
    {
      name: ".ko.yaml defaultBaseImage a list",
      args: ["build", "./cmd/ok"],
      config: "defaultBaseImage: [a]\n",
      unset: ["KO_DEFAULTBASEIMAGE"],
      error: /'defaultBaseImage' must be a string, got a list/,
    },
    {
      name: ".ko.yaml defaultBaseImage bad reference",
      args: ["build", "./cmd/ok"],
      config: "defaultBaseImage: 'Not/A:Ref:'\n",
      unset: ["KO_DEFAULTBASEIMAGE"],
      error: /'defaultBaseImage': error parsing "Not\/A:Ref:" as image reference/,
    },
    {
      name: ".ko.yaml defaultPlatforms a mapping",
      args: ["build", "./cmd/ok"],
      config: "defaultPlatforms: {linux: amd64}\n",
      error: /'defaultPlatforms' must be a list or a string, got a mapping/,
    },
    {
      name: ".ko.yaml baseImageOverrides a list",
      args: ["build", "./cmd/ok"],
      config: "baseImageOverrides: [a]\n",
      error: /'baseImageOverrides' must be a mapping, got a list/,
    },
    {
      name: ".ko.yaml baseImageOverrides bad reference",
      args: ["build", "./cmd/ok"],
      config: "baseImageOverrides:\n  example.com/bad/cmd/ok: 'UP PER'\n",
      error: /'baseImageOverrides': error parsing "UP PER" as image reference/,
    },
    {
      name: ".ko.yaml ldflags template unclosed",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  ldflags: ['-X main.v={{.Git.Tag']\n",
      error: /'ldflags' value "-X main\.v=\{\{\.Git\.Tag": /,
    },
    {
      name: ".ko.yaml ldflags template unknown function",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  ldflags: ['-X main.v={{ nope }}']\n",
      error: /function "nope" not defined/,
    },
    {
      name: ".ko.yaml flags with -toolexec",
      args: ["build", "./cmd/ok"],
      config: "builds:\n- main: ./cmd/ok\n  flags: [-toolexec, /bin/true]\n",
      error: /build: cannot set -toolexec/,
    },
    {
      name: ".ko.yaml sign a number",
      args: ["build", "./cmd/ok"],
      config: "sign: 3\n",
      error: /'sign' must be a mapping, got a number \(3\)/,
    },
    {
      name: ".ko.yaml binary garbage",
      args: ["build", "./cmd/ok"],
      config: garbage(),
      error: /\.ko\.yaml:\d+:\d+: not UTF-8 text \(byte 0x[0-9a-f]{2}\)/,
      maxLength: 200,
    },
    {
      name: ".ko.yaml 4 KB value is quoted capped",
      args: ["build", "./cmd/ok"],
      config: `builds: "${"v".repeat(4096)}"\n`,
      error: /got a string \("v{200}…" \(4096 characters\)\)$/,
    },
    {
      name: ".ko.toml unsupported",
      args: ["build", "./cmd/ok"],
      env: { KO_CONFIG_PATH: "{out}/.ko.toml" },
      inputs: { ".ko.toml": "a = 1\n" },
      error: /unsupported config type "toml"/,
    },
    // Go packages.
    {
      name: "not a main package",
      args: ["build", "./lib"],
      error: /importpath "\.\/lib" is not supported: .*is not `package main`/,
    },
    {
      name: "missing package",
      args: ["build", "./nope"],
      error: /importpath "\.\/nope" is not supported/,
    },
    {
      name: "package outside the module",
      args: ["build", "example.com/elsewhere/cmd/x"],
      error:
        /importpath "example\.com\/elsewhere\/cmd\/x" is not supported: no required module provides/,
    },
    {
      name: "compile error",
      args: [
        "build",
        "--image-refs",
        "{out}/refs",
        "--tarball",
        "{out}/img.tar",
        "--oci-layout-path",
        "{out}/layout",
        "./cmd/ok",
        "./cmd/broken",
      ],
      error: /error building "\.\/cmd\/broken": build: go build: exit status 1/,
    },
    {
      name: "a Go file",
      args: ["build", "./cmd/ok/main.go"],
      error: /it names Go files, not a package/,
    },
    // kodata.
    {
      name: "kodata symlink escape",
      args: ["build", "--tarball", "{out}/img.tar", "./cmd/escape"],
      error: /kodata symlink ".*passwd".* outside the allowed root/,
    },
    {
      name: "kodata symlink loop",
      args: ["build", "--tarball", "{out}/img.tar", "./cmd/loop"],
      error: /kodata symlink ".*self" makes a cycle/,
    },
    {
      name: "kodata FIFO",
      args: ["build", "--tarball", "{out}/img.tar", "./cmd/fifo"],
      error: /kodata ".*pipe" is not a regular file or directory/,
    },
    // Registries.
    {
      name: "push to a refused connection",
      args: ["build", "--image-refs", "{out}/refs", "./cmd/ok"],
      env: { KO_DOCKER_REPO: `${closed}/cc` },
      error: new RegExp(`cannot reach registry ${closed}: connection refused`),
    },
    {
      name: "push refused with 401",
      args: ["build", "--image-refs", "{out}/refs", "./cmd/ok"],
      env: { KO_DOCKER_REPO: `${locked.host}/cc` },
      error:
        /HEAD .*\/cc\/ok-[0-9a-f]{32} manifest latest: 401 Unauthorized: no credentials for .* were found/,
    },
    {
      name: "base registry refused",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: `${closed}/base:latest` },
      error: /pulling .*base:latest: cannot reach registry/,
    },
    {
      name: "base image not found",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "{registry}/fixtures/missing" },
      error: /pulling .*fixtures\/missing.*(MANIFEST_UNKNOWN|NAME_UNKNOWN|not found)/i,
    },
    {
      name: "base digest not found",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: `{registry}/fixtures/oci-image@sha256:${zeros}` },
      error: /pulling .*oci-image@sha256:0{64}: GET .* MANIFEST_UNKNOWN/,
    },
    {
      name: "base digest malformed",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: "{registry}/fixtures/oci-image@sha256:abc" },
      error: /error parsing ".*@sha256:abc" as image reference/,
    },
    {
      name: "base behind 401",
      args: ["build", "./cmd/ok"],
      env: { KO_DEFAULTBASEIMAGE: `${locked.host}/fixtures/base:latest` },
      error:
        /pulling .*fixtures\/base:latest: GET .* manifest latest: UNAUTHORIZED: authentication required/,
    },
    {
      name: "push refused with 401, with a layout and a tarball asked for",
      args: [
        "build",
        "--oci-layout-path",
        "{out}/layout",
        "--tarball",
        "{out}/img.tar",
        "--image-refs",
        "{out}/refs",
        "./cmd/ok",
      ],
      env: { KO_DOCKER_REPO: `${locked.host}/outputs` },
      error: /401 Unauthorized: no credentials for .* were found/,
    },
    {
      name: "resolve pushing to a refused connection",
      args: ["resolve", "-f", "deploy.yaml", "--image-refs", "{out}/refs"],
      env: { KO_DOCKER_REPO: `${closed}/resolve` },
      error: new RegExp(`cannot reach registry ${closed}: connection refused`),
    },
    {
      name: "resolve with a bad platform",
      args: ["resolve", "-f", "deploy.yaml", "--platform=/amd64"],
      error: /invalid platform "\/amd64"/,
    },
    // Credentials files.
    {
      name: "malformed $DOCKER_CONFIG/config.json",
      args: ["build", "./cmd/ok"],
      env: { DOCKER_CONFIG: "{out}/docker" },
      inputs: { "docker/config.json": '{"auths": {\n' },
      error: /cannot parse ".*docker\/config\.json": not valid JSON at line 2, column 1/,
    },
    {
      name: "malformed ~/.docker/config.json",
      args: ["build", "./cmd/ok"],
      env: { HOME: "{home}" },
      unset: ["DOCKER_CONFIG"],
      inputs: { "~/.docker/config.json": '{"auths": {"x": {"auth": oops}}}' },
      error:
        /cannot parse ".*home-\d+\/\.docker\/config\.json": not valid JSON at line 1, column 26$/,
    },
    {
      name: "docker config with a bad auth",
      args: ["build", "./cmd/ok"],
      env: { DOCKER_CONFIG: "{out}/docker", KO_DOCKER_REPO: `${locked.host}/cc` },
      inputs: {
        "docker/config.json": JSON.stringify({ auths: { [locked.host]: { auth: "%%%" } } }),
      },
      error: /invalid "auth" for ".*" in ".*config\.json"/,
    },
    // resolve -f.
    {
      name: "resolve -f missing file",
      args: ["resolve", "-f", "{out}/nope.yaml"],
      error: /^Error: -f ".*nope\.yaml": no such file or directory$/,
    },
    {
      name: "resolve -f bad YAML",
      args: ["resolve", "-f", "broken.yaml"],
      error: /error processing import paths in "broken\.yaml": broken\.yaml:4:1: flow sequence/,
    },
    {
      name: "resolve -f ko:// of a missing package",
      args: ["resolve", "-f", "missing.yaml"],
      error:
        /missing\.yaml:4: found strict reference but ko:\/\/example\.com\/bad\/cmd\/nope is not a valid import path/,
    },
    {
      name: "resolve -f binary garbage",
      args: ["resolve", "-f", "{out}/garbage.yaml"],
      inputs: { "garbage.yaml": garbage() },
      error: /garbage\.yaml:\d+:\d+: invalid UTF-8/,
    },
  ];

  ok(cases.length >= 60, `${cases.length} cases`);
  equal(new Set(cases.map((c) => c.name)).size, cases.length, "case names are distinct");
  const show = Deno.env.get("BAD_INPUTS_SHOW") === "1";

  for (const [i, c] of cases.entries()) {
    await t.step(c.name, async () => {
      const out = join(tmp.path, `out-${i}`);
      await Deno.mkdir(out);
      const home = join(tmp.path, `home-${i}`);
      const fill = (v: string) =>
        v.replaceAll("{out}", out).replaceAll("{registry}", registry.host)
          .replaceAll("{home}", home);
      for (const [rel, content] of Object.entries(c.inputs ?? {})) {
        const path = rel.startsWith("~/") ? join(home, rel.slice(2)) : join(out, rel);
        await Deno.mkdir(join(path, ".."), { recursive: true });
        if (typeof content === "string") await Deno.writeTextFile(path, content);
        else await Deno.writeFile(path, content);
      }
      const configDir = join(tmp.path, `config-${i}`);
      const env: Record<string, string> = {
        ...goEnv,
        KO_DOCKER_REPO: `${registry.host}/c${i}`,
        KO_DEFAULTBASEIMAGE: base,
        DOCKER_CONFIG: emptyDockerConfig,
      };
      if (c.config !== undefined) {
        await Deno.mkdir(configDir);
        const file = join(configDir, ".ko.yaml");
        if (typeof c.config === "string") await Deno.writeTextFile(file, c.config);
        else await Deno.writeFile(file, c.config);
        env.KO_CONFIG_PATH = file;
      }
      for (const [k, v] of Object.entries(c.env ?? {})) env[k] = fill(v);
      for (const k of c.unset ?? []) delete env[k];
      const before = await listing(out);
      const r = await ko(c.args.map(fill), { cwd: src, env });
      if (show) console.log(`--- ${c.name} (exit ${r.code})\n${r.stderr}`);
      equal(r.code, c.code ?? 1, r.stderr);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("Error: "));
      equal(errors.length, 1, `one Error line in:\n${r.stderr}`);
      match(errors[0]!, c.error);
      ok(
        [...errors[0]!].length <= (c.maxLength ?? 600),
        `error line of ${errors[0]!.length} characters`,
      );
      ok(!/^\s+at /m.test(r.stderr), `a stack trace:\n${r.stderr}`);
      equal(r.stdout, "", "nothing on stdout");
      deepEqual(await listing(out), before, "nothing written to the output directory");
    });
  }

  await t.step("no case left a tag in the registries", async () => {
    for (const server of [registry, locked]) {
      const headers: Record<string, string> = server.username
        ? { authorization: `Basic ${btoa(`${server.username}:${server.password}`)}` }
        : {};
      const res = await fetch(`${server.url}/v2/_catalog?n=1000`, { headers });
      const repos = ((await res.json()) as { repositories?: string[] }).repositories ?? [];
      for (const repo of repos.filter((r) => !r.startsWith("fixtures/"))) {
        const tags = await fetch(`${server.url}/v2/${repo}/tags/list`, { headers });
        const body = tags.ok
          ? ((await tags.json()) as { tags?: string[] | null }).tags ?? []
          : (await tags.body?.cancel(), []);
        equal(body.length, 0, `${server.host}/${repo} has tags ${JSON.stringify(body)}`);
      }
    }
  });
});

/** Every path under `dir` (sorted), with file sizes. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) {
        out.push(`${p}/`);
        await walk(p);
      } else {
        out.push(`${p} ${(await Deno.lstat(join(dir, p))).size}`);
      }
    }
  };
  await walk("");
  return out.sort();
}

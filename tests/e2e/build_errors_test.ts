/**
 * ko build's bad inputs: each gives one clear error line and a non-zero exit, and none leaves
 * a partial tarball, layout, refs file, or a tag pointing at an incomplete image.
 */
import { equal, match, ok, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { freePort, pathExists, run as runTool, runOk, tempDir } from "../helpers/tools.ts";
import { errorLine, ko } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";

const MAIN = "package main\n\nfunc main() {}\n";

Deno.test("ko build reports bad input clearly and leaves no partial output", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/bad",
    files: {
      "cmd/ok/main.go": PRINT_KODATA_MAIN,
      "cmd/broken/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
      "lib/lib.go": "package lib\n\nfunc X() {}\n",
    },
  });
  const env = { KO_DOCKER_REPO: `${registry.host}/bad`, KO_DEFAULTBASEIMAGE: bases.ociImage.ref };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    ko(["build", ...args], { cwd: src, env: { ...env, ...extra } });

  await t.step("a go command that cannot be started names KO_GO_PATH", async () => {
    const r = await run(["--push=false", "./cmd/ok"], { KO_GO_PATH: "/nonexistent/go" });
    equal(r.code, 1);
    match(errorLine(r), /cannot run "\/nonexistent\/go": not found \(check KO_GO_PATH\)$/);
    equal(r.stdout, "");
  });

  await t.step("a library package is not a main package", async () => {
    const r = await run(["./lib"]);
    equal(r.code, 1);
    match(errorLine(r), /importpath "\.\/lib" is not supported: .*is not `package main`/);
    equal(r.stdout, "");
  });

  await t.step("a missing package", async () => {
    const r = await run(["./nope"]);
    equal(r.code, 1);
    match(errorLine(r), /importpath "\.\/nope" is not supported/);
  });

  await t.step("a Go file instead of its package directory", async () => {
    // go list turns files into the pseudo-package command-line-arguments, which go build
    // cannot build by name: this used to fail in go build with "package
    // command-line-arguments is not in std".
    const r = await run(["./cmd/ok/main.go"]);
    equal(r.code, 1);
    equal(
      errorLine(r),
      'Error: importpath "./cmd/ok/main.go" is not supported: qualifying local import ' +
        "./cmd/ok/main.go: it names Go files, not a package: pass the package's directory " +
        '("./cmd/ok")',
    );
    equal(r.stdout, "");
  });

  await t.step("a compile error shows the compiler output", async () => {
    const r = await run(["./cmd/broken"]);
    equal(r.code, 1);
    match(r.stderr, /error building "\.\/cmd\/broken": build: go build: exit status 1/);
    match(r.stderr, /undefined: undefinedThing/);
  });

  await t.step("a failing build stops the others: no go build outlives ko", async () => {
    // A go that never finishes building ./cmd/ok: it records its PID and sleeps.
    const pidFile = join(tmp.path, "slow-go.pid");
    const goPath = join(tmp.path, "slow-go");
    const realGo = (await runOk("sh", ["-c", "command -v go"])).stdout.trim();
    await Deno.writeTextFile(
      goPath,
      // ./cmd/ok alone (a batch of both fails at once on ./cmd/broken, as go does).
      `#!/bin/sh\ncase "$*" in\n  build*cmd/ok) echo $$ > ${pidFile}; exec sleep 60;;\nesac\n` +
        `exec ${realGo} "$@"\n`,
    );
    await Deno.chmod(goPath, 0o755);
    const r = await run(["--push=false", "-j", "2", "./cmd/ok", "./cmd/broken"], {
      KO_GO_PATH: goPath,
    });
    equal(r.code, 1);
    match(errorLine(r), /error building "\.\/cmd\/broken"/);
    const pid = Number(await Deno.readTextFile(pidFile).catch(() => "0"));
    const alive = pid > 0 && (await runTool("kill", ["-0", String(pid)])).code === 0;
    if (alive) Deno.kill(pid, "SIGKILL");
    ok(!alive, "the go build of ./cmd/ok was still running after ko exited");
  });

  await t.step("an unreachable base registry", async () => {
    const closed = `127.0.0.1:${freePort()}`;
    const r = await run(["./cmd/ok"], { KO_DEFAULTBASEIMAGE: `${closed}/nothing:latest` });
    equal(r.code, 1);
    match(
      errorLine(r),
      new RegExp(
        `pulling ${closed}/nothing:latest: cannot reach registry ${closed}: connection refused`,
      ),
    );
  });

  await t.step("a base that does not exist", async () => {
    const r = await run(["./cmd/ok"], { KO_DEFAULTBASEIMAGE: `${registry.host}/fixtures/missing` });
    equal(r.code, 1);
    match(errorLine(r), /pulling .*fixtures\/missing.*(MANIFEST_UNKNOWN|NAME_UNKNOWN|not found)/i);
  });

  await t.step("KO_DOCKER_REPO unset, empty or invalid", async () => {
    const unset = await ko(["build", "./cmd/ok"], {
      cwd: src,
      env: { KO_DEFAULTBASEIMAGE: bases.ociImage.ref },
    });
    equal(unset.code, 1);
    match(errorLine(unset), /KO_DOCKER_REPO environment variable is unset/);
    const bad = await run(["./cmd/ok"], { KO_DOCKER_REPO: "Registry.Example/UPPER" });
    equal(bad.code, 1);
    match(errorLine(bad), /failed to parse "Registry\.Example\/UPPER" as repository/);
    // ko.local and kind.local names are checked before building too, not by the daemon.
    for (const repo of ["ko.local/UPPER", "kind.local/a..b"]) {
      const local = await run(["./cmd/ok"], {
        KO_DOCKER_REPO: repo,
        DOCKER_HOST: `unix://${join(tmp.path, "no-daemon.sock")}`,
      });
      equal(local.code, 1);
      match(errorLine(local), new RegExp(`failed to parse "${repo}" as repository`));
      ok(!local.stderr.includes("Building"), local.stderr);
    }
    const url = await run(["./cmd/ok"], { KO_DOCKER_REPO: `https://${registry.host}/bad/` });
    equal(url.code, 1);
    equal(
      errorLine(url),
      `Error: KO_DOCKER_REPO "https://${registry.host}/bad/" must not start with https://: ` +
        `name the repository alone, such as ${registry.host}/bad`,
    );
  });

  await t.step("no publisher prints or saves a name that is not a repository", async () => {
    const out = join(tmp.path, "names");
    await Deno.mkdir(out);
    const bareUnset = await ko(
      ["build", "--push=false", "--bare", "--tarball", join(out, "t.tar"), "./cmd/ok"],
      { cwd: src, env: { KO_DEFAULTBASEIMAGE: bases.ociImage.ref } },
    );
    equal(bareUnset.code, 1);
    match(errorLine(bareUnset), /image name is empty: --bare .*KO_DOCKER_REPO/);
    ok(!bareUnset.stderr.includes("Building"), bareUnset.stderr);
    equal(bareUnset.stdout, "");
    const bareRegistry = await run(["--bare", "./cmd/ok"], { KO_DOCKER_REPO: registry.host });
    equal(bareRegistry.code, 1);
    match(errorLine(bareRegistry), /"127\.0\.0\.1:\d+" is a registry without a repository/);
    ok(!bareRegistry.stderr.includes("Building"), bareRegistry.stderr);
    const badRepo = await run(["--push=false", "--oci-layout-path", join(out, "l"), "./cmd/ok"], {
      KO_DOCKER_REPO: "Registry.Example/UPPER",
    });
    equal(badRepo.code, 1);
    match(errorLine(badRepo), /failed to parse "Registry\.Example\/UPPER" as repository/);
    await writeGoApp(src, { module: "example.com/bad", files: { "cmd/Mixed/main.go": MAIN } });
    // Better than ko (ggcr#212): --push=false lowercases a mixed-case import path, as a push does.
    const mixed = await run(["--push=false", "./cmd/Mixed"]);
    equal(mixed.code, 0, mixed.stderr);
    const md5 = createHash("md5").update("example.com/bad/cmd/mixed").digest("hex");
    equal(
      mixed.stdout.replace(/@sha256:[0-9a-f]{64}\n$/, ""),
      `${registry.host}/bad/mixed-${md5}:latest`,
    );
    equal([...Deno.readDirSync(out)].length, 0, "nothing written");
    const layoutOnly = await ko(
      ["build", "--push=false", "--bare", "--oci-layout-path", join(out, "l"), "./cmd/ok"],
      { cwd: src, env: { KO_DEFAULTBASEIMAGE: bases.ociImage.ref } },
    );
    equal(layoutOnly.code, 0, layoutOnly.stderr);
    const index = JSON.parse(await Deno.readTextFile(join(out, "l", "index.json")));
    equal(index.manifests.length, 1);
    equal(index.manifests[0].annotations, undefined, "a layout alone needs no name");
  });

  await t.step("a trailing slash in KO_DOCKER_REPO is joined away, as ko joins names", async () => {
    const r = await run(["--sbom=none", "./cmd/ok"], { KO_DOCKER_REPO: `${registry.host}/slash/` });
    equal(r.code, 0, r.stderr);
    match(r.stdout, new RegExp(`^${registry.host}/slash/ok-[0-9a-f]{32}@sha256:[0-9a-f]{64}\\n$`));
    const bare = await run(["--sbom=none", "--bare", "./cmd/ok"], {
      KO_DOCKER_REPO: `${registry.host}/slash//`,
    });
    equal(bare.code, 0, bare.stderr);
    match(bare.stdout, new RegExp(`^${registry.host}/slash@sha256:[0-9a-f]{64}\\n$`));
  });

  await t.step("a bad tag fails before anything is built", async () => {
    const r = await run(["-t", "bad tag!", "./cmd/ok"]);
    equal(r.code, 1);
    match(errorLine(r), /invalid tag "bad tag!"/);
    ok(!r.stderr.includes("Building"));
  });

  await t.step("unwritable --tarball and --image-refs paths fail before building", async () => {
    for (const flag of ["--tarball", "--image-refs"]) {
      const r = await run([flag, join(tmp.path, "no", "such", "dir", "out"), "./cmd/ok"]);
      equal(r.code, 1, flag);
      match(errorLine(r), new RegExp(`${flag} .*does not exist`));
      ok(!r.stderr.includes("Building"), flag);
    }
  });

  await t.step("an --oci-layout-path under a regular file names the flag", async () => {
    const file = join(tmp.path, "a-file");
    await Deno.writeTextFile(file, "");
    const r = await run(["--oci-layout-path", join(file, "layout"), "./cmd/ok"]);
    equal(r.code, 1);
    equal(
      errorLine(r),
      `Error: --oci-layout-path "${join(file, "layout")}": a path component is not a directory`,
    );
    ok(!r.stderr.includes("Building"), r.stderr);
  });

  await t.step("a layout whose index.json is broken fails before building or pushing", async () => {
    const layout = join(tmp.path, "broken-layout");
    await Deno.mkdir(layout);
    await Deno.writeTextFile(join(layout, "oci-layout"), '{"imageLayoutVersion": "1.0.0"}');
    await Deno.writeTextFile(join(layout, "index.json"), "garbage\n");
    const r = await run(["--oci-layout-path", layout, "./cmd/ok"], {
      KO_DOCKER_REPO: `${registry.host}/brokenlayout`,
    });
    equal(r.code, 1);
    match(errorLine(r), /--oci-layout-path: .*index\.json is not valid JSON: .*"garbage "/);
    ok(!r.stderr.includes("Building"), r.stderr);
    const tags = await fetch(`${registry.url}/v2/brokenlayout/tags/list`);
    await tags.body?.cancel();
    equal(tags.status, 404, "nothing pushed");
    equal(await Deno.readTextFile(join(layout, "index.json")), "garbage\n");
  });

  await t.step("a failing build leaves no tarball, layout or refs file", async () => {
    const out = join(tmp.path, "partial");
    await Deno.mkdir(out);
    const r = await run([
      "./cmd/ok",
      "./cmd/broken",
      "--tarball",
      join(out, "img.tar"),
      "--oci-layout-path",
      join(out, "layout"),
      "--image-refs",
      join(out, "refs"),
    ]);
    equal(r.code, 1);
    for (const f of ["img.tar", "layout", "refs"]) ok(!(await pathExists(join(out, f))), f);
    equal([...Deno.readDirSync(out)].length, 0, "no temporary files left");
  });

  await t.step("a push that fails mid-way leaves no tag", async () => {
    // Every blob upload's PUT (which carries the bytes) is dropped.
    await using proxy = await startFaultProxy(registry.host, (req) => {
      if (req.method === "PUT" && req.path.includes("/blobs/uploads/")) return "drop";
      return "pass";
    });
    const r = await run(["./cmd/ok"], { KO_DOCKER_REPO: `${proxy.host}/halfway` });
    equal(r.code, 1);
    match(errorLine(r), /error publishing "\.\/cmd\/ok"/);
    const head = await fetch(`${registry.url}/v2/halfway/ok-${""}`, { method: "HEAD" }).catch(
      () => undefined,
    );
    await head?.body?.cancel();
    const tags = await fetch(`${registry.url}/v2/halfway/tags/list`);
    const body = await tags.text();
    ok(tags.status === 404 || !body.includes("latest"), body);
  });

  await t.step("rejects are one line without a stack trace", async () => {
    const r = await run(["./lib"]);
    ok(!r.stderr.includes("    at "), r.stderr);
    await rejects(Promise.reject(new Error("sanity")));
  });
});

/**
 * The Go builder's multi-platform builds (src/build/go_builder.ts, ko-behaviour 5.4 and 6):
 * failures name what the user asked for (the desired platforms when none of a base index's
 * match, the platform whose go build failed when several build at once) and stop the other
 * platforms' builds; a platform named twice is built once. Real `go build`, a real registry
 * with the fixture bases.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { defaultOutputRoot, lockOutputDir, OutputDirs } from "../../src/build/build_output.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { ko } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { runOk, tempDir } from "../helpers/tools.ts";

/** Builds everywhere but Windows, which has no syscall.Mkfifo. */
const NOT_ON_WINDOWS = `package main

import "syscall"

func main() { _ = syscall.Mkfifo }
`;

Deno.test("multi-platform builds name the platforms that fail, and build each one once", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/fails",
    files: { "cmd/app/main.go": NOT_ON_WINDOWS },
  });
  const env = (base: string) => ({
    KO_DOCKER_REPO: `${registry.host}/fails`,
    KO_DEFAULTBASEIMAGE: base,
  });

  await t.step("no matching platform in the base index: the desired ones are named", async () => {
    const r = await ko(["build", "--platform=linux/arm/v6,linux/s390x", "./cmd/app"], {
      cwd: src,
      env: env(bases.ociIndex.ref),
    });
    equal(r.code, 1);
    match(
      r.stderr,
      /^Error: error building "\.\/cmd\/app": no matching platforms in base image index \(it has linux\/amd64, linux\/arm64, linux\/arm\/v7, unknown\/unknown\) for desired platforms \[linux\/arm\/v6 linux\/s390x\]$/m,
    );
  });

  await t.step("a go build failing for one of several platforms names it", async () => {
    const r = await ko(
      ["build", "--push=false", "--platform=linux/amd64,windows/amd64", "./cmd/app"],
      { cwd: src, env: env("scratch") },
    );
    equal(r.code, 1);
    match(
      r.stderr,
      /^Error: error building "\.\/cmd\/app": for windows\/amd64: build: go build: exit status 1: /m,
    );
    match(r.stderr, /undefined: syscall\.Mkfifo/);
    equal(r.stdout, "");
  });

  await t.step("scratch: a platform named twice is built once", async () => {
    const layout = join(tmp.path, "layout");
    const r = await ko([
      "build",
      "--push=false",
      `--oci-layout-path=${layout}`,
      "--platform=linux/amd64,linux/arm64,linux/amd64",
      "./cmd/app",
    ], { cwd: src, env: env("scratch") });
    equal(r.code, 0, r.stderr);
    equal(r.stderr.match(/Building \S+ for linux\/amd64$/gm)?.length, 1, r.stderr);
    const blob = (d: string) => join(layout, "blobs", "sha256", d.slice("sha256:".length));
    const top = JSON.parse(await Deno.readTextFile(join(layout, "index.json")));
    const index = JSON.parse(await Deno.readTextFile(blob(top.manifests[0].digest)));
    deepEqual(
      index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
      ["amd64", "arm64"],
    );
  });

  await t.step("a single platform's failure reads as ko's, with no platform added", async () => {
    const r = await ko(["build", "--push=false", "--platform=windows/amd64", "./cmd/app"], {
      cwd: src,
      env: env("scratch"),
    });
    equal(r.code, 1);
    match(r.stderr, /^Error: error building "\.\/cmd\/app": build: go build: exit status 1: /m);
    ok(!r.stderr.includes("for windows/amd64:"));
  });
});

/** Paths under `dir` (at most `depth` levels down) whose name starts with one of `prefixes`. */
async function findNamed(dir: string, prefixes: string[], depth = 3): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (prefixes.some((p) => e.name.startsWith(p))) out.push(path);
    else if (e.isDirectory && depth > 1) out.push(...await findNamed(path, prefixes, depth - 1));
  }
  return out;
}

Deno.test("a platform's failure stops the others' go builds before ko returns", async () => {
  await using tmp = await tempDir();
  // Windows fails once syscall is compiled; linux/amd64 has all of net/http to compile first
  // (a cold build cache), so it is still building when the Windows build fails.
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/fails",
    files: {
      "cmd/app/main.go": NOT_ON_WINDOWS,
      "cmd/app/http.go": '//go:build !windows\n\npackage main\n\nimport _ "net/http"\n',
    },
  });
  const tmpdir = join(tmp.path, "tmp");
  await Deno.mkdir(tmpdir);
  const r = await ko(
    ["build", "--push=false", "--platform=linux/amd64,windows/amd64", "./cmd/app"],
    {
      cwd: src,
      env: {
        KO_DEFAULTBASEIMAGE: "scratch",
        GOCACHE: join(tmp.path, "gocache"),
        TMPDIR: tmpdir,
        KOCACHE: join(tmp.path, "kocache"),
      },
    },
  );
  equal(r.code, 1);
  match(r.stderr, /for windows\/amd64: build: go build: exit status 1: /);
  // The linux/amd64 go build was stopped and its work directory removed before ko returned.
  equal((await findNamed(tmpdir, ["go-build", "ko-go-"])).join(", "), "");
});

Deno.test("a platform waiting for another ko's lock stops waiting when a sibling fails", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/fails",
    files: { "cmd/app/main.go": NOT_ON_WINDOWS },
  });
  const cache = join(tmp.path, "cache");
  // XDG_CACHE_HOME moves the kept outputs; the Go build cache stays where it was (warm).
  const gocache = (await runOk("go", ["env", "GOCACHE"])).stdout.trim();
  // "Another ko process" holds the linux/amd64 output dir for as long as the test likes.
  const root = defaultOutputRoot({ XDG_CACHE_HOME: cache })!;
  const held = await lockOutputDir(
    new OutputDirs(root).dirFor("example.com/fails/cmd/app", {
      os: "linux",
      architecture: "amd64",
    })!,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const run = ko(
      ["build", "--push=false", "--platform=linux/amd64,windows/amd64", "./cmd/app"],
      {
        cwd: src,
        env: { KO_DEFAULTBASEIMAGE: "scratch", XDG_CACHE_HOME: cache, GOCACHE: gocache },
      },
    );
    const r = await Promise.race([
      run,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), 30_000)),
    ]);
    ok(r, "ko kept waiting for the lock after the windows/amd64 build failed");
    equal(r.code, 1);
    match(r.stderr, /for windows\/amd64: build: go build: exit status 1: /);
  } finally {
    clearTimeout(timer);
    held.release();
  }
});

/**
 * Warm rebuilds without KOCACHE against a real registry (Debian's docker-registry): the go
 * build started at start-up is taken over, the binary layer's digests come from the record
 * next to the kept binary, nothing is compressed or uploaded, the digest equals the first
 * build's; a repository that lacks the layer gets bytes
 * made on demand, which the registry accepts and skopeo reads back.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoInspect, tempDir } from "../helpers/tools.ts";
import { ko, koOk } from "../helpers/ko_cli.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { lockOutputDir } from "../../src/build/build_output.ts";

/** Go's build cache, which the test's own XDG_CACHE_HOME would otherwise move. */
const GO_CACHE = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOCACHE"], stdout: "piped" }).outputSync().stdout,
).trim();

/** The blob-upload requests (POST/PATCH/PUT on /blobs/) in a slice of the registry log. */
function blobUploads(log: string): string[] {
  return log.split("\n").filter((l) => /"(POST|PATCH|PUT) \/v2\/[^"]*\/blobs\//.test(l));
}

Deno.test("ko build without KOCACHE remembers the binary layer's digests", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/memo",
    files: { "main.go": 'package main\n\nfunc main() { println("memo") }\n' },
  });
  const env = (repo: string) => ({
    KO_DOCKER_REPO: `${registry.host}/${repo}`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    XDG_CACHE_HOME: join(tmp.path, "xdg"),
    GOCACHE: GO_CACHE, // not under XDG_CACHE_HOME: the standard library stays compiled
  });
  const record = join(tmp.path, "xdg/ko-ts/bin/example.com/memo/linux/amd64/layer.json");

  const [first] = await koOk(["build", "--sbom=none", "-B", "."], { cwd: src, env: env("first") });
  await t.step("the first build records the layer next to the binary", async () => {
    const r = JSON.parse(await Deno.readTextFile(record));
    match(r.digest, /^sha256:[0-9a-f]{64}$/);
  });

  await t.step("a warm rebuild takes the digests from the record and uploads nothing", async () => {
    const before = registry.logs().length;
    const r = await ko(["build", "-v", "--sbom=none", "-B", "."], { cwd: src, env: env("first") });
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), first);
    match(r.stderr, /layer memo: .*: hit sha256:/);
    // The go build started at start-up was the one the build needed.
    match(r.stderr, /go build: taking over the one started at start-up/);
    deepEqual(blobUploads(registry.logs().slice(before)), []);
  });

  await t.step("a repository without the layer gets bytes made on demand", async () => {
    const r = await ko(["build", "-v", "--sbom=none", "-B", "."], { cwd: src, env: env("second") });
    equal(r.code, 0, r.stderr);
    match(r.stderr, /layer memo: .*: hit sha256:/);
    const ref = r.stdout.trim();
    equal(ref.split("@")[1], first!.split("@")[1]);
    // The registry checked the uploaded layer's digest; skopeo reads the image back.
    const inspected = await skopeoInspect(ref, { raw: true });
    equal((inspected.layers as unknown[]).length, bases.ociImage.layerDigests.length + 2);
    const layer = JSON.parse(await Deno.readTextFile(record)).digest;
    ok(r.stderr.includes(`pushed blob: ${layer}`), r.stderr);
  });
});

Deno.test("a cache directory that cannot be made does not fail a build", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/nohome",
    files: { "main.go": 'package main\n\nfunc main() { println("nohome") }\n' },
  });
  // A file where the cache directory would go (as a read-only or missing HOME in a container).
  const notADir = join(tmp.path, "file");
  await Deno.writeTextFile(notADir, "");
  const run = (xdg: string) =>
    ko(["build", "-v", "--sbom=none", "--push=false", "."], {
      cwd: src,
      env: { KO_DEFAULTBASEIMAGE: "scratch", XDG_CACHE_HOME: xdg, GOCACHE: GO_CACHE },
    });
  const r = await run(notADir);
  equal(r.code, 0, r.stderr);
  match(r.stderr, /cannot keep the build output in .*file\/ko-ts\/bin\/.*; using a temp dir/);
  // The same image as with a usable cache directory.
  const kept = await run(join(tmp.path, "xdg"));
  equal(kept.code, 0, kept.stderr);
  equal(r.stdout, kept.stdout);
});

Deno.test("a build waiting for another ko process's output dir says so", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/waits",
    files: { "main.go": 'package main\n\nfunc main() { println("waits") }\n' },
  });
  const xdg = join(tmp.path, "xdg");
  const dir = join(xdg, "ko-ts/bin/example.com/waits/linux/amd64");
  const held = await lockOutputDir(dir); // as another ko process building the same app
  const waiting = Promise.withResolvers<void>();
  const building = ko(["build", "--sbom=none", "--push=false", "."], {
    cwd: src,
    env: { KO_DEFAULTBASEIMAGE: "scratch", XDG_CACHE_HOME: xdg, GOCACHE: GO_CACHE },
    onStderr: (text) => {
      if (text.includes("Waiting for another ko process")) waiting.resolve();
    },
  });
  // Until it says it waits (or ends, which the checks below then explain).
  await Promise.race([waiting.promise, building]);
  held.release();
  const r = await building;
  equal(r.code, 0, r.stderr);
  match(
    r.stderr,
    new RegExp(
      `Waiting for another ko process building example\\.com/waits for linux/amd64 \\(it holds ${dir}/\\.lock\\)`,
    ),
  );
});

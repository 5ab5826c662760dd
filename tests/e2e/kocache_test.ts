/**
 * KOCACHE end to end: `ko build` against a real registry (Debian's docker-registry) with a
 * KOCACHE directory — where things are kept, warm rebuilds that reuse the binary layer and
 * upload nothing, the base manifest/config cache (digest references served from disk, tags
 * still resolved on the network), corrupt entries repaired, and several ko processes (real
 * `deno run main.ts` subprocesses and an in-process run) sharing one KOCACHE at once.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoCopy, skopeoInspect, tempDir } from "../helpers/tools.ts";
import { baseEnv, ko, koOk } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { md5Hex } from "../../src/publish/naming.ts";
import { sha256Digest } from "../../src/oci/digest.ts";

const APP = "example.com/kc/cmd/app";
const MAIN_TS = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** The blob-upload requests (POST/PATCH/PUT on /blobs/) in a slice of the registry log. */
function blobUploads(log: string): string[] {
  return log.split("\n").filter((l) => /"(POST|PATCH|PUT) \/v2\/[^"]*\/blobs\//.test(l));
}

/** Checks every entry of a KOCACHE layer directory: records parse, blobs hash to them. */
async function checkLayerEntries(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    ok(!e.name.includes(".tmp-"), `leftover temporary file ${e.name}`);
    if (!e.name.endsWith(".json")) continue;
    const record = JSON.parse(await Deno.readTextFile(join(dir, e.name)));
    const blob = await Deno.readFile(join(dir, e.name.replace(/\.json$/, ".blob")));
    equal(sha256Digest(blob), record.digest);
    equal(blob.length, record.size);
    n++;
  }
  return n;
}

Deno.test("ko build with KOCACHE", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/kc",
    files: {
      "cmd/app/main.go": PRINT_KODATA_MAIN,
      "cmd/app/kodata/hello.txt": "Hello there\n",
    },
  });
  const cache = join(tmp.path, "cache");
  const repo = `${registry.host}/kc`;
  const env = (extra: Record<string, string> = {}) => ({
    KO_DOCKER_REPO: repo,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    KOCACHE: cache,
    ...extra,
  });
  const binDir = join(cache, "bin", APP, "linux", "amd64");
  const pushedName = `${repo}/app-${md5Hex(APP)}`;

  let pushed = "";
  await t.step(
    "the first build fills KOCACHE: binary, layer, base manifest and config",
    async () => {
      pushed = (await koOk(["build", "./cmd/app"], { cwd: src, env: env() }))[0]!;
      match(pushed, new RegExp(`^${pushedName}@sha256:`));
      ok((await Deno.stat(join(binDir, "out"))).isFile);
      equal(await checkLayerEntries(join(binDir, "layers")), 1);
      deepEqual(
        JSON.parse(await Deno.readTextFile(join(cache, "img", "oci-layout"))),
        { imageLayoutVersion: "1.0.0" },
      );
      for (const d of [bases.ociImage.digest, bases.ociImage.configDigest]) {
        const stored = await Deno.readFile(join(cache, "img", "blobs", "sha256", d.slice(7)));
        equal(sha256Digest(stored), d);
      }
    },
  );

  await t.step("a warm rebuild reuses the layer and uploads nothing", async () => {
    const before = registry.logs().length;
    const r = await ko(["build", "-v", "./cmd/app"], { cwd: src, env: env() });
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), pushed);
    match(r.stderr, /kocache: layer \w+: hit sha256:/);
    deepEqual(blobUploads(registry.logs().slice(before)), []);
  });

  await t.step("the digest is the same without KOCACHE", async () => {
    const [line] = await koOk(["build", "./cmd/app"], { cwd: src, env: env({ KOCACHE: "" }) });
    equal(line, pushed);
  });

  await t.step("a repository without the layer gets the cached bytes, checked", async () => {
    const key = (await Array.fromAsync(Deno.readDir(join(binDir, "layers"))))
      .find((e) => e.name.endsWith(".blob"))!.name;
    const blob = join(binDir, "layers", key);
    const bytes = await Deno.readFile(blob);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x55; // same size, wrong content
    await Deno.writeFile(blob, bytes);
    const r = await ko(["build", "-v", "./cmd/app"], {
      cwd: src,
      env: env({ KO_DOCKER_REPO: `${registry.host}/elsewhere` }),
    });
    equal(r.code, 0, r.stderr);
    match(r.stderr, /kocache: layer \w+: repaired sha256:/);
    equal(r.stdout.trim().split("@")[1], pushed.split("@")[1]);
    equal(await checkLayerEntries(join(binDir, "layers")), 1);
    // The registry checked every uploaded blob's digest; skopeo reads the image back.
    const inspected = await skopeoInspect(r.stdout.trim(), { raw: true });
    equal((inspected.layers as unknown[]).length, bases.ociImage.layerDigests.length + 2);
  });

  await t.step("corrupt base manifests and configs are fetched again", async () => {
    const manifest = join(cache, "img", "blobs", "sha256", bases.ociImage.digest.slice(7));
    const config = join(cache, "img", "blobs", "sha256", bases.ociImage.configDigest.slice(7));
    await Deno.writeTextFile(manifest, "{}");
    await Deno.truncate(config, 3);
    const r = await ko(["build", "-v", "./cmd/app"], { cwd: src, env: env() });
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), pushed);
    match(r.stderr, /the stored copy hashes to/);
    equal(sha256Digest(await Deno.readFile(manifest)), bases.ociImage.digest);
    equal(sha256Digest(await Deno.readFile(config)), bases.ociImage.configDigest);
  });

  await t.step("a digest base comes from disk; a tag base still asks the registry", async () => {
    await using other = await startRegistry();
    const otherBases = await pushFixtureBases(other);
    const offline = (base: string) =>
      env({ KO_DEFAULTBASEIMAGE: base, KO_DOCKER_REPO: `${registry.host}/offline` });
    const byDigest = otherBases.ociImage.refByDigest;
    const [online] = await koOk(["build", "--push=false", "./cmd/app"], {
      cwd: src,
      env: offline(byDigest),
    });
    await koOk(["build", "--push=false", "./cmd/app"], {
      cwd: src,
      env: offline(otherBases.ociImage.ref),
    });
    await other.stop();
    const [again] = await koOk(["build", "--push=false", "./cmd/app"], {
      cwd: src,
      env: offline(byDigest),
    });
    equal(again, online);
    const tag = await ko(["build", "--push=false", "./cmd/app"], {
      cwd: src,
      env: offline(otherBases.ociImage.ref),
    });
    equal(tag.code, 1);
    match(tag.stderr, /fetching base image: pulling .*oci-image:latest: .*cannot reach registry/);
  });

  await t.step("a tag that moves is followed", async () => {
    const moving = `${registry.host}/fixtures/moving:latest`;
    await skopeoCopy(bases.ociImage.ref, moving);
    const [a] = await koOk(["build", "./cmd/app"], {
      cwd: src,
      env: env({ KO_DEFAULTBASEIMAGE: moving }),
    });
    await skopeoCopy(bases.dockerImage.ref, moving);
    const [b] = await koOk(["build", "./cmd/app"], {
      cwd: src,
      env: env({ KO_DEFAULTBASEIMAGE: moving }),
    });
    notEqual(a, b);
    const raw = await skopeoInspect(b!, { raw: true });
    equal(raw.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  });

  await t.step(
    "ko processes sharing a fresh KOCACHE at once agree and leave it whole",
    async () => {
      const shared = join(tmp.path, "shared-cache");
      const e = env({ KOCACHE: shared });
      const child = () =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", MAIN_TS, "build", "./cmd/app"],
          cwd: src,
          env: { ...baseEnv(), ...e },
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
      const [p1, p2, inProcess] = await Promise.all([
        child(),
        child(),
        koOk(["build", "./cmd/app"], { cwd: src, env: e }),
      ]);
      for (const p of [p1, p2]) {
        equal(p.code, 0, new TextDecoder().decode(p.stderr));
        equal(new TextDecoder().decode(p.stdout).trim(), pushed);
      }
      equal(inProcess[0], pushed);
      const layers = join(shared, "bin", APP, "linux", "amd64", "layers");
      equal(await checkLayerEntries(layers), 1);
      for await (const f of Deno.readDir(join(shared, "img", "blobs", "sha256"))) {
        ok(!f.name.includes(".tmp-"), f.name);
        const bytes = await Deno.readFile(join(shared, "img", "blobs", "sha256", f.name));
        equal(sha256Digest(bytes), `sha256:${f.name}`);
      }
      const r = await ko(["build", "-v", "./cmd/app"], { cwd: src, env: e });
      match(r.stderr, /kocache: layer \w+: hit/);
    },
  );

  await t.step("KOCACHE naming a file fails with ko's message", async () => {
    const file = join(tmp.path, "not-a-dir");
    await Deno.writeTextFile(file, "");
    const r = await ko(["build", "./cmd/app"], { cwd: src, env: env({ KOCACHE: file }) });
    equal(r.code, 1);
    match(r.stderr, new RegExp(`KOCACHE should be a directory, ${file} is not a directory`));
  });
});

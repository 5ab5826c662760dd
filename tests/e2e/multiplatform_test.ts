/**
 * Multi-platform `ko build` end to end (ko-behaviour 5.4 and 6) against a real registry:
 * a 3-platform index on the fixture index base checked with `skopeo inspect --raw`, the arm64
 * binary taken out of the pushed image and run under qemu, the arm/v7 one checked for
 * GOARM=7, the amd64 child run in Docker; parallelism read from the timed
 * "Building"/"Built" log lines; platform choice from flags, config and GOOS/GOARCH/GOARM;
 * Docker manifest list bases; the error cases.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { memoryWriter, type Writer } from "../../src/util/writer.ts";
import { stdinFrom } from "../helpers/stdin.ts";
import { runCli } from "../../src/cli/main.ts";
import { md5Hex } from "../../src/publish/naming.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { pushBuilt, pushFixtureBases, pushManifest } from "../helpers/fixtures.ts";
import { buildImage, buildIndex } from "../helpers/fixture_images.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { baseEnv, ko, koOk } from "../helpers/ko_cli.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { type RegistryServer, startRegistry } from "../helpers/registry_server.ts";
import { readTar } from "../helpers/tar_reader.ts";
import { runOk, skopeoInspect, tempDir } from "../helpers/tools.ts";

const APP = "example.com/multi/cmd/greeter";
const APP_NAME = `greeter-${md5Hex(APP)}`;
const ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name";
const ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest";

/** A log line and when (performance.now()) ko wrote it. */
interface TimedLine {
  at: number;
  line: string;
}

/** Runs ko in-process, recording when each stderr line was written. */
async function koTimed(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; lines: TimedLine[] }> {
  const lines: TimedLine[] = [];
  const dec = new TextDecoder();
  const stderr: Writer = {
    write(chunk) {
      const at = performance.now();
      const text = typeof chunk === "string" ? chunk : dec.decode(chunk);
      for (const line of text.split("\n")) if (line) lines.push({ at, line });
      return Promise.resolve();
    },
  };
  const stdout = memoryWriter();
  const code = await runCli(args, {
    cwd,
    env: { ...baseEnv(), ...env },
    stdout,
    stderr,
    stdin: stdinFrom(""),
    signal: new AbortController().signal,
  });
  if (code !== 0) {
    throw new Error(`ko ${args.join(" ")} exited ${code}:\n${lines.map((l) => l.line).join("\n")}`);
  }
  return { code, stdout: stdout.text(), lines };
}

/** The [start, end] of each platform's job, from "Building … for P" / "Built … for P". */
function platformIntervals(lines: TimedLine[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const { at, line } of lines) {
    const start = / Building \S+ for (\S+)$/.exec(line);
    if (start) out.set(start[1]!, [at, NaN]);
    const end = / Built \S+ for (\S+)$/.exec(line);
    if (end) out.get(end[1]!)![1] = at;
  }
  return out;
}

function overlaps(intervals: Iterable<[number, number]>): boolean {
  const xs = [...intervals].sort((a, b) => a[0] - b[0]);
  return xs.some((x, i) => i > 0 && x[0] < xs[i - 1]![1]);
}

async function fetchJson(server: RegistryServer, repo: string, ref: string) {
  const res = await registryFetch(server, `/v2/${repo}/manifests/${ref}`, {
    headers: {
      accept: [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
      ].join(", "),
    },
  });
  if (res.status !== 200) throw new Error(`GET ${repo}:${ref}: ${res.status} ${await res.text()}`);
  return await res.json();
}

async function fetchBlob(server: RegistryServer, repo: string, digest: string) {
  const res = await registryFetch(server, `/v2/${repo}/blobs/${digest}`);
  if (res.status !== 200) throw new Error(`GET blob ${digest}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Writes the last two layers (kodata, binary) of an image into `dir`; returns the binary path. */
async function extractApp(
  server: RegistryServer,
  repo: string,
  digest: string,
  dir: string,
): Promise<{ binary: string; kodata: string }> {
  const manifest = await fetchJson(server, repo, digest);
  const layers = manifest.layers as Array<{ digest: string }>;
  const kodataTar = readTar(await fetchBlob(server, repo, layers.at(-2)!.digest));
  const binTar = readTar(await fetchBlob(server, repo, layers.at(-1)!.digest));
  const kodata = join(dir, "kodata");
  await Deno.mkdir(kodata, { recursive: true });
  for (const m of kodataTar) {
    if (m.type !== "0" || !m.name.startsWith("/var/run/ko/")) continue;
    const path = join(kodata, m.name.slice("/var/run/ko/".length));
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(path, m.content);
  }
  const bin = binTar.find((m) => m.name === "/ko-app/greeter")!;
  const binary = join(dir, "greeter");
  await Deno.writeFile(binary, bin.content, { mode: 0o755 });
  return { binary, kodata };
}

Deno.test("ko build makes multi-platform indexes from index bases", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/multi",
    files: {
      "cmd/greeter/main.go": PRINT_KODATA_MAIN,
      "cmd/greeter/kodata/hello.txt": "Hello there\n",
    },
  });
  const repo = `${registry.host}/multi`;
  const env = (base = bases.ociIndex.ref, extra: Record<string, string> = {}) => ({
    KO_DOCKER_REPO: repo,
    KO_DEFAULTBASEIMAGE: base,
    ...extra,
  });
  const three = "linux/amd64,linux/arm64,linux/arm/v7";
  // The --jobs steps read when each go build ran from the log; go builds started at start-up
  // (go_build_prefetch.ts) run before their platform builds log anything, so these steps opt
  // out of them with a configuration file that sets nothing.
  const noSettings = join(tmp.path, "no-settings.yaml");
  await Deno.writeTextFile(noSettings, "# no settings\n");

  let index = "";
  await t.step(
    "3 platforms with --jobs 2: an index like the base's, built concurrently",
    async () => {
      const r = await koTimed(
        ["build", "-v", "--sbom=none", "--jobs", "2", `--platform=${three}`, "./cmd/greeter"],
        src,
        env(undefined, { KO_CONFIG_PATH: noSettings }),
      );
      index = r.stdout.trim();
      match(index, new RegExp(`^${repo}/${APP_NAME}@sha256:[0-9a-f]{64}$`));
      const raw = await skopeoInspect(index, { raw: true });
      equal(raw.mediaType, "application/vnd.oci.image.index.v1+json");
      deepEqual(raw.annotations, {
        [ANNOTATION_BASE_DIGEST]: bases.ociIndex.digest,
        [ANNOTATION_BASE_NAME]: bases.ociIndex.ref,
      });
      const manifests = raw.manifests as Array<Record<string, unknown>>;
      deepEqual(manifests.map((m) => m.platform), [
        { architecture: "amd64", os: "linux" },
        { architecture: "arm64", os: "linux" },
        { architecture: "arm", os: "linux", variant: "v7" },
      ]);
      for (const m of manifests) {
        equal(m.mediaType, "application/vnd.oci.image.manifest.v1+json");
        equal(m.artifactType, "application/vnd.oci.image.config.v1+json");
        deepEqual(Object.keys(m), ["mediaType", "size", "digest", "platform", "artifactType"]);
      }
      // Each child names its own base child.
      for (const [i, m] of manifests.entries()) {
        const child = await skopeoInspect(`${repo}/${APP_NAME}@${m.digest}`, { raw: true });
        const annotations = child.annotations as Record<string, string>;
        equal(annotations[ANNOTATION_BASE_DIGEST], bases.ociIndex.manifests[i]!.digest);
        equal(annotations[ANNOTATION_BASE_NAME], bases.ociIndex.ref);
      }
      const intervals = platformIntervals(r.lines);
      deepEqual([...intervals.keys()].sort(), ["linux/amd64", "linux/arm/v7", "linux/arm64"]);
      for (const [p, [s, e]] of intervals) ok(e > s, `${p} has a start before its end`);
      ok(overlaps(intervals.values()), "with --jobs 2 some platform builds overlap");
    },
  );

  await t.step("--jobs 1 builds one platform at a time, and the index is the same", async () => {
    const r = await koTimed(
      ["build", "-v", "--sbom=none", "--jobs", "1", `--platform=${three}`, "./cmd/greeter"],
      src,
      env(undefined, { KO_CONFIG_PATH: noSettings }),
    );
    const intervals = platformIntervals(r.lines);
    equal(intervals.size, 3);
    ok(!overlaps(intervals.values()), "with --jobs 1 no platform builds overlap");
    equal(r.stdout.trim(), index);
  });

  await t.step("--platform=all takes every base platform but the attestation", async () => {
    const [line] = await koOk(["build", "--sbom=none", "--platform=all", "./cmd/greeter"], {
      cwd: src,
      env: env(),
    });
    equal(line, index);
    // Repeated flags are the same list.
    const [repeated] = await koOk([
      "build",
      "--sbom=none",
      "--platform=linux/amd64",
      "--platform=linux/arm64,linux/arm/v7",
      "./cmd/greeter",
    ], { cwd: src, env: env() });
    equal(repeated, index);
  });

  await t.step("--image-annotation goes on the index and on every child", async () => {
    const [line] = await koOk(
      [
        "build",
        "--sbom=none",
        `--platform=${three}`,
        "--image-annotation=org.example.team=ko",
        "./cmd/greeter",
      ],
      { cwd: src, env: env() },
    );
    const raw = await skopeoInspect(line!, { raw: true });
    deepEqual(raw.annotations, {
      [ANNOTATION_BASE_DIGEST]: bases.ociIndex.digest,
      [ANNOTATION_BASE_NAME]: bases.ociIndex.ref,
      "org.example.team": "ko",
    });
    for (const m of raw.manifests as Array<{ digest: string }>) {
      const child = await skopeoInspect(`${repo}/${APP_NAME}@${m.digest}`, { raw: true });
      equal((child.annotations as Record<string, string>)["org.example.team"], "ko");
    }
  });

  await t.step({
    ...requires(
      "the arm64 binary from the registry runs under qemu-aarch64-static",
      programsMissing("qemu-aarch64-static"),
    ),
    fn: async () => {
      const raw = await skopeoInspect(index, { raw: true });
      const arm64 = (raw.manifests as Array<{ digest: string; platform: { architecture: string } }>)
        .find((m) => m.platform.architecture === "arm64")!;
      const dir = join(tmp.path, "arm64");
      const { binary, kodata } = await extractApp(registry, `multi/${APP_NAME}`, arm64.digest, dir);
      const file = await runOk("file", ["-b", binary]).catch(() => undefined);
      if (file) match(file.stdout, /ARM aarch64/);
      const out = await runOk("qemu-aarch64-static", [binary], { env: { KO_DATA_PATH: kodata } });
      equal(out.stdout, "Hello there\n");
    },
  });

  await t.step("the arm/v7 binary was built with GOARM=7", async () => {
    const raw = await skopeoInspect(index, { raw: true });
    const armv7 = (raw.manifests as Array<{ digest: string; platform: { variant?: string } }>)
      .find((m) => m.platform.variant === "v7")!;
    const { binary } = await extractApp(
      registry,
      `multi/${APP_NAME}`,
      armv7.digest,
      join(tmp.path, "armv7"),
    );
    const info = await runOk("go", ["version", "-m", binary]);
    match(info.stdout, /\tbuild\tGOARCH=arm\n/);
    match(info.stdout, /\tbuild\tGOARM=7\n/);
  });

  await t.step("a Docker manifest list base gives a manifest list in its order", async () => {
    const [line] = await koOk(
      ["build", "--sbom=none", "--platform=linux/arm64,linux/amd64", "./cmd/greeter"],
      { cwd: src, env: env(bases.dockerList.ref) },
    );
    const raw = await skopeoInspect(line!, { raw: true });
    equal(raw.mediaType, "application/vnd.docker.distribution.manifest.list.v2+json");
    const manifests = raw.manifests as Array<Record<string, unknown>>;
    deepEqual(manifests.map((m) => (m.platform as { architecture: string }).architecture), [
      "amd64",
      "arm64",
    ]);
    for (const m of manifests) {
      equal(m.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
      equal(m.artifactType, "application/vnd.docker.container.image.v1+json");
    }
    deepEqual(raw.annotations, {
      [ANNOTATION_BASE_DIGEST]: bases.dockerList.digest,
      [ANNOTATION_BASE_NAME]: bases.dockerList.ref,
    });
  });

  await t.step("defaultPlatforms from KO_DEFAULTPLATFORMS and .ko.yaml", async () => {
    const [fromEnv] = await koOk(["build", "--sbom=none", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.ociIndex.ref, { KO_DEFAULTPLATFORMS: "linux/arm64,linux/arm/v7" }),
    });
    const raw = await skopeoInspect(fromEnv!, { raw: true });
    deepEqual(
      (raw.manifests as Array<{ platform: { architecture: string } }>).map((m) =>
        m.platform.architecture
      ),
      ["arm64", "arm"],
    );
    await Deno.writeTextFile(join(src, ".ko.yaml"), "defaultPlatforms:\n  - linux/arm64\n");
    try {
      const [fromConfig] = await koOk(["build", "--sbom=none", "./cmd/greeter"], {
        cwd: src,
        env: env(),
      });
      const one = await skopeoInspect(fromConfig!, { raw: true });
      equal(one.mediaType, "application/vnd.oci.image.manifest.v1+json");
      equal(
        (one.annotations as Record<string, string>)[ANNOTATION_BASE_DIGEST],
        bases.ociIndex.manifests[1]!.digest,
      );
      // --platform wins over the config.
      const [flag] = await koOk(
        ["build", "--sbom=none", "--platform=linux/amd64", "./cmd/greeter"],
        {
          cwd: src,
          env: env(),
        },
      );
      notEqual(flag, fromConfig);
    } finally {
      await Deno.remove(join(src, ".ko.yaml"));
    }
  });

  await t.step("GOOS/GOARCH/GOARM pick one platform when nothing else does", async () => {
    const [arm] = await koOk(["build", "--sbom=none", "./cmd/greeter"], {
      cwd: src,
      env: env(bases.ociIndex.ref, { GOOS: "linux", GOARCH: "arm", GOARM: "7" }),
    });
    const raw = await skopeoInspect(arm!, { raw: true });
    equal(
      (raw.annotations as Record<string, string>)[ANNOTATION_BASE_DIGEST],
      bases.ociIndex.manifests[2]!.digest,
    );
    const config = await skopeoInspect(arm!, { config: true });
    equal(config.architecture, "arm");
    equal(config.variant, "v7");
  });

  await t.step("an amd64 variant sets GOAMD64 (scratch base: the platform as named)", async () => {
    const dir = join(tmp.path, "v3");
    const r = await ko(
      [
        "build",
        "--platform=linux/amd64/v3",
        "--sbom=go.version-m",
        "--sbom-dir",
        dir,
        "./cmd/greeter",
      ],
      { cwd: src, env: env("scratch") },
    );
    equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(join(dir, "greeter-linux-amd64-v3.go.version-m"));
    match(text, /\tbuild\tGOAMD64=v3\n/);
    const config = await skopeoInspect(r.stdout.trim(), { config: true });
    equal(config.variant, "v3");
  });

  await t.step("bad platform input fails with one clear line", async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["--platform=all,linux/amd64"], {}, /Error: .*all or specific platforms should be used/],
      [
        ["--platform=all", "--platform=linux/arm64"],
        {},
        /all or specific platforms should be used/,
      ],
      [
        ["--platform=linux/amd64/v2/x"],
        {},
        /too many slashes in platform spec: linux\/amd64\/v2\/x/,
      ],
      [
        ["--platform=linux/arm64"],
        { GOOS: "linux" },
        /cannot use --platform or defaultPlatforms in \.ko\.yaml or env KO_DEFAULTPLATFORMS combined with GOOS="linux"/,
      ],
      [
        [],
        { GOARCH: "arm64", KO_DEFAULTPLATFORMS: "linux/arm64" },
        /combined with GOARCH="arm64"/,
      ],
      [
        ["--platform=windows/amd64,plan9/386"],
        {},
        /no matching platforms in base image index \(it has linux\/amd64, linux\/arm64, linux\/arm\/v7, unknown\/unknown\)/,
      ],
      [["--platform=linux/arm/vX"], {}, /no matching platforms in base image index/],
      [["--sbom=bogus"], {}, /Error: invalid argument "bogus" for "--sbom" flag/],
    ];
    for (const [flags, extra, want] of cases) {
      const r = await ko(["build", ...flags, "./cmd/greeter"], {
        cwd: src,
        env: env(bases.ociIndex.ref, extra),
      });
      equal(r.code, 1, `ko build ${flags.join(" ")} fails`);
      match(r.stderr, want);
      equal(r.stdout, "");
    }
    // An os/arch Go has no port for, on the scratch base (no base list to match against).
    const bogus = await ko(["build", "--platform=linux/bogus", "./cmd/greeter"], {
      cwd: src,
      env: env("scratch"),
    });
    equal(bogus.code, 1);
    match(bogus.stderr, /unsupported GOOS\/GOARCH pair linux\/bogus/);
    const armBad = await ko(["build", "--platform=linux/arm/vX", "./cmd/greeter"], {
      cwd: src,
      env: env("scratch"),
    });
    match(armBad.stderr, /goarm failure: arm variant "vX" is not of the form v<number>/);
  });

  await t.step("nested indexes and non-image children in the base are rejected", async () => {
    const nested = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{
        mediaType: bases.ociIndex.mediaType,
        digest: bases.ociIndex.digest,
        size: (await fetchRaw(registry, bases.ociIndex.repo, bases.ociIndex.digest)).length,
        platform: { os: "linux", architecture: "amd64" },
      }],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(nested));
    await pushManifest(registry, bases.ociIndex.repo, "nested", {
      mediaType: nested.mediaType,
      bytes,
    });
    const r = await ko(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(`${registry.host}/${bases.ociIndex.repo}:nested`),
    });
    equal(r.code, 1);
    match(
      r.stderr,
      new RegExp(
        `"${bases.ociIndex.digest}" has unexpected mediaType "application/vnd\\.oci\\.image\\.index\\.v1\\+json" in base for "${APP}"`,
      ),
    );
    // A child that is not an image manifest (here a schema 1 manifest type).
    const amd64 = bases.ociIndex.manifests[0]!;
    const odd = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{
        mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws",
        digest: amd64.digest,
        size: (await fetchRaw(registry, bases.ociIndex.repo, amd64.digest)).length,
        platform: { os: "linux", architecture: "amd64" },
      }],
    };
    await pushManifest(registry, bases.ociIndex.repo, "odd", {
      mediaType: odd.mediaType,
      bytes: new TextEncoder().encode(JSON.stringify(odd)),
    });
    const r2 = await ko(["build", "./cmd/greeter"], {
      cwd: src,
      env: env(`${registry.host}/${bases.ociIndex.repo}:odd`),
    });
    equal(r2.code, 1);
    match(
      r2.stderr,
      /has unexpected mediaType "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws" in base/,
    );
  });

  await t.step({
    ...requires("Docker runs the amd64 child of the pushed index", dockerUnavailableReason()),
    fn: async () => {
      await using docker = await startDockerEngine();
      const r = await docker.docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--platform",
        "linux/amd64",
        index,
      ]);
      equal(r.code, 0, r.stderr);
      equal(r.stdout, "Hello there\n");
    },
  });
});

async function fetchRaw(server: RegistryServer, repo: string, ref: string): Promise<Uint8Array> {
  const res = await registryFetch(server, `/v2/${repo}/manifests/${ref}`, {
    headers: {
      accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
    },
  });
  if (res.status !== 200) throw new Error(`GET ${repo}:${ref}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** An index of linux/amd64 and a synthetic Windows Server 2022 image (os.version 10.0.20348.x). */
function windowsIndex() {
  const windows = buildImage({
    family: "oci",
    platform: { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2227" },
    label: "windows",
    base: false,
    layers: [[
      { path: "Files", type: "dir" },
      { path: "Files/Windows", type: "dir" },
      { path: "Hives", type: "dir" },
    ]],
    containerConfig: { Env: ["PATH=C:\\Windows\\system32;C:\\Windows"], User: "ContainerUser" },
  });
  const linux = buildImage({
    family: "oci",
    platform: { os: "linux", architecture: "amd64" },
    label: "windows-index",
  });
  return buildIndex("oci", [linux, windows]);
}

Deno.test("ko build lays out Windows images as ko does", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const base = await pushBuilt(registry, "fixtures/windows", "ltsc2022", windowsIndex());
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/multi",
    files: {
      "cmd/greeter/main.go": PRINT_KODATA_MAIN,
      "cmd/greeter/kodata/hello.txt": "Hello there\n",
    },
    symlinks: { "cmd/greeter/kodata/link.txt": "hello.txt" },
  });
  const env = { KO_DOCKER_REPO: `${registry.host}/win`, KO_DEFAULTBASEIMAGE: base.ref };
  const sbomDir = join(tmp.path, "sbom");

  let image = "";
  await t.step("windows/amd64:10.0.20348 matches the 10.0.20348.2227 child", async () => {
    const r = await ko(
      ["build", "--platform=windows/amd64:10.0.20348", "--sbom-dir", sbomDir, "./cmd/greeter"],
      { cwd: src, env },
    );
    equal(r.code, 0, r.stderr);
    image = r.stdout.trim();
    match(
      r.stderr,
      /Building example\.com\/multi\/cmd\/greeter for windows\/amd64:10\.0\.20348\.2227\n/,
    );
    match(r.stderr, /skipping symlink in kodata for windows: link\.txt/);
    const raw = await skopeoInspect(image, { raw: true });
    equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");
    equal(
      (raw.annotations as Record<string, string>)[ANNOTATION_BASE_DIGEST],
      base.manifests[1]!.digest,
    );
    deepEqual([...Deno.readDirSync(sbomDir)].map((e) => e.name), [
      "greeter-windows-amd64-10.0.20348.2227.spdx.json",
    ]);
  });

  await t.step("config: entrypoint, PATH and KO_DATA_PATH in Windows form", async () => {
    const config = await skopeoInspect(image, { config: true });
    equal(config.os, "windows");
    equal(config["os.version"], "10.0.20348.2227");
    const c = config.config as Record<string, unknown>;
    deepEqual(c.Entrypoint, ["C:\\ko-app\\greeter"]);
    deepEqual(c.Env, [
      "PATH=C:\\Windows\\system32;C:\\Windows:C:\\ko-app",
      "KO_DATA_PATH=C:\\var\\run\\ko",
    ]);
    equal(c.User, "ContainerUser");
  });

  await t.step("layers: Files/ and Hives/, each file with the MSWINDOWS.rawsd record", async () => {
    const digest = image.split("@")[1]!;
    const repo = `win/${APP_NAME}`;
    const manifest = await fetchJson(registry, repo, digest);
    const layers = manifest.layers as Array<{ digest: string }>;
    const kodata = readTar(await fetchBlob(registry, repo, layers.at(-2)!.digest));
    const binary = readTar(await fetchBlob(registry, repo, layers.at(-1)!.digest));
    const rawsd = "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==";
    deepEqual(kodata.map((m) => [m.name, m.type]), [
      ["Hives", "5"],
      ["Files", "5"],
      ["Files/var", "5"],
      ["Files/var/run", "5"],
      ["Files/var/run/ko", "5"],
      ["Files/var/run/ko/hello.txt", "0"],
    ]);
    equal(kodata.at(-1)!.pax["MSWINDOWS.rawsd"], rawsd);
    equal(new TextDecoder().decode(kodata.at(-1)!.content), "Hello there\n");
    deepEqual(binary.map((m) => [m.name, m.type]), [
      ["Hives", "5"],
      ["Files", "5"],
      ["Files/ko-app", "5"],
      ["Files/ko-app/greeter", "0"],
    ]);
    equal(binary.at(-1)!.pax["MSWINDOWS.rawsd"], rawsd);
    // A PE binary (MZ header) for windows/amd64.
    equal(new TextDecoder().decode(binary.at(-1)!.content.subarray(0, 2)), "MZ");
  });

  await t.step("osversion matching: X.Y.Z matches X.Y.Z.B only; other versions fail", async () => {
    for (const p of ["windows/amd64:10.0.17763", "windows/amd64:10", "linux/amd64:10.0.20348"]) {
      const r = await ko(["build", `--platform=${p}`, "./cmd/greeter"], { cwd: src, env });
      equal(r.code, 1, p);
      match(
        r.stderr,
        /no matching platforms in base image index \(it has linux\/amd64, windows\/amd64:10\.0\.20348\.2227\)/,
      );
    }
    const [exact] = await koOk(
      ["build", "--platform=windows/amd64:10.0.20348.2227", "./cmd/greeter"],
      { cwd: src, env },
    );
    equal(exact, image);
  });

  await t.step("--platform=all: an index with the Windows platform copied verbatim", async () => {
    const [line] = await koOk(["build", "--platform=all", "./cmd/greeter"], { cwd: src, env });
    const raw = await skopeoInspect(line!, { raw: true });
    deepEqual((raw.manifests as Array<{ platform: unknown }>).map((m) => m.platform), [
      { architecture: "amd64", os: "linux" },
      { architecture: "amd64", os: "windows", "os.version": "10.0.20348.2227" },
    ]);
    equal((raw.manifests as Array<{ digest: string }>)[1]!.digest, image.split("@")[1]);
  });
});

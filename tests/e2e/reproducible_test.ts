/**
 * Reproducibility end to end, against a real registry: the same source gives the same image
 * (and SBOM) digests across runs, across two git clones in different directories, with and
 * without KOCACHE, and — with SOURCE_DATE_EPOCH and KO_DATA_DATE_EPOCH set — whatever `TZ`
 * says, in real `deno run main.ts` processes; times are written in UTC and no absolute path of
 * the build machine leaks into any blob.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { startRegistry } from "../helpers/registry_server.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import type { RegistryServer } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { runOk, tempDir } from "../helpers/tools.ts";
import { baseEnv, koOk } from "../helpers/ko_cli.ts";
import { writeGoApp } from "../helpers/go_app.ts";

const MAIN_TS = fileURLToPath(new URL("../../main.ts", import.meta.url));
const SOURCE_DATE_EPOCH = 1700000001; // 2023-11-14T22:13:21Z
const KO_DATA_DATE_EPOCH = 1700000000; // 2023-11-14T22:13:20Z

const MAIN_GO = `package main

import "fmt"

var built = "unset"

func main() { fmt.Println("built", built) }
`;

/** Fetches a manifest or blob from the registry. */
async function fetchBytes(registry: RegistryServer, path: string): Promise<Uint8Array> {
  const res = await registryFetch(registry, path, {
    headers: {
      accept: [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
      ].join(", "),
    },
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The pushed image `name@digest`: its manifest, config and every layer (uncompressed). */
async function pulledImage(registry: RegistryServer, ref: string) {
  const [name, digest] = ref.split("@") as [string, string];
  const repo = name.slice(registry.host.length + 1);
  const manifest = JSON.parse(
    new TextDecoder().decode(await fetchBytes(registry, `/v2/${repo}/manifests/${digest}`)),
  );
  const config = JSON.parse(new TextDecoder().decode(
    await fetchBytes(registry, `/v2/${repo}/blobs/${manifest.config.digest}`),
  ));
  const layers: Uint8Array[] = [];
  for (const l of manifest.layers as Array<{ digest: string }>) {
    layers.push(
      new Uint8Array(gunzipSync(await fetchBytes(registry, `/v2/${repo}/blobs/${l.digest}`))),
    );
  }
  return { repo, digest, manifest, config, layers };
}

/** The names and mtimes of a tar's members (ustar headers; enough for kodata). */
function tarTimes(tar: Uint8Array): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const text = (o: number, n: number) =>
    new TextDecoder().decode(tar.subarray(o, o + n)).replace(/\0.*$/s, "");
  for (let off = 0; off + 512 <= tar.length;) {
    if (tar.subarray(off, off + 512).every((b) => b === 0)) break;
    const size = parseInt(text(off + 124, 12).trim() || "0", 8);
    const type = text(off + 156, 1);
    if (type !== "x" && type !== "g") {
      out.push([text(off, 100), parseInt(text(off + 136, 12).trim() || "0", 8)]);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  for (let i = haystack.indexOf(n[0]!); i >= 0; i = haystack.indexOf(n[0]!, i + 1)) {
    if (n.every((b, j) => haystack[i + j] === b)) return true;
  }
  return false;
}

Deno.test("the same source gives the same digests", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  // A git repository and a clone of it elsewhere: different absolute paths, same commit.
  const origin = await writeGoApp(join(tmp.path, "origin", "app"), {
    module: "example.com/repro",
    files: {
      "cmd/app/main.go": MAIN_GO,
      "cmd/app/kodata/a.txt": "a\n",
      "cmd/app/kodata/dir/b.txt": "b\n",
      ".ko.yaml": "builds:\n- id: app\n  main: ./cmd/app\n" +
        "  ldflags: ['-X main.built={{.Date}}/{{.Timestamp}}/{{.Git.ShortCommit}}']\n",
    },
  });
  const git = (args: string[], cwd: string) =>
    runOk("git", args, {
      cwd,
      env: {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
        GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
        GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
      },
    });
  await git(["init", "-q", "-b", "main"], origin);
  await git(["add", "-A"], origin);
  await git(["commit", "-q", "-m", "app"], origin);
  const clone = join(tmp.path, "elsewhere", "deeper", "clone");
  await git(["clone", "-q", origin, clone], tmp.path);

  const env = (extra: Record<string, string> = {}) => ({
    KO_DOCKER_REPO: `${registry.host}/repro`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH),
    KO_DATA_DATE_EPOCH: String(KO_DATA_DATE_EPOCH),
    ...extra,
  });
  const sbomOf = async (ref: string) => {
    const [name, digest] = ref.split("@") as [string, string];
    const repo = name.slice(registry.host.length + 1);
    const tag = digest.replace(":", "-") + ".sbom";
    return await fetchBytes(registry, `/v2/${repo}/manifests/${tag}`);
  };

  let first = "";
  let firstSbom: Uint8Array;
  await t.step(
    "two runs, two clones in different directories, with and without KOCACHE",
    async () => {
      first = (await koOk(["build", "./cmd/app"], { cwd: origin, env: env() }))[0]!;
      firstSbom = await sbomOf(first);
      const runs = [
        { cwd: origin, env: env() },
        { cwd: clone, env: env() },
        { cwd: clone, env: env({ KOCACHE: join(tmp.path, "cache") }) },
        { cwd: clone, env: env({ KOCACHE: join(tmp.path, "cache") }) },
        { cwd: origin, env: env({ KOCACHE: join(tmp.path, "cache") }) },
      ];
      for (const r of runs) {
        const [line] = await koOk(["build", "./cmd/app"], r);
        equal(line, first, JSON.stringify(r));
        deepEqual(await sbomOf(line!), firstSbom, "the SBOM too");
      }
    },
  );

  await t.step("no path of the build machine in the config, layers or SBOM", async () => {
    const img = await pulledImage(registry, first);
    const sbomManifest = JSON.parse(new TextDecoder().decode(firstSbom));
    const sbom = await fetchBytes(
      registry,
      `/v2/${img.repo}/blobs/${sbomManifest.layers[0].digest}`,
    );
    // Our config, kodata and binary layers, and the SBOM (the base's layers are not ours).
    const blobs = [
      new TextEncoder().encode(JSON.stringify(img.config)),
      ...img.layers.slice(-2),
      sbom,
    ];
    const goEnv = (await runOk("go", ["env", "GOROOT", "GOMODCACHE", "GOCACHE"])).stdout
      .split("\n").filter(Boolean);
    for (const dir of [tmp.path, origin, clone, ...goEnv]) {
      for (const [i, blob] of blobs.entries()) ok(!contains(blob, dir), `${dir} in blob ${i}`);
    }
  });

  await t.step("different TZ, same digest; times in UTC everywhere", async () => {
    const inZone = async (tz: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN_TS, "build", "./cmd/app"],
        cwd: clone,
        env: { ...baseEnv(), ...env({ TZ: tz }) },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout).trim();
    };
    const utc = await inZone("UTC");
    const tokyo = await inZone("Asia/Tokyo");
    const honolulu = await inZone("Pacific/Honolulu");
    equal(tokyo, utc);
    equal(honolulu, utc);
    equal(utc, first); // the in-process runs agree with real processes

    const img = await pulledImage(registry, utc);
    equal(img.config.created, "2023-11-14T22:13:21Z");
    const history = img.config.history as Array<{ created: string; comment?: string }>;
    deepEqual(history.slice(-2).map((h) => [h.comment, h.created]), [
      ["kodata contents, at $KO_DATA_PATH", "2023-11-14T22:13:20Z"],
      ["go build output, at /ko-app/app", "2023-11-14T22:13:21Z"],
    ]);
    const kodata = tarTimes(img.layers.at(-2)!);
    deepEqual(kodata.map(([name]) => name), [
      "/var",
      "/var/run",
      "/var/run/ko",
      "/var/run/ko/a.txt",
      "/var/run/ko/dir",
      "/var/run/ko/dir/b.txt",
    ]);
    ok(kodata.every(([, mtime]) => mtime === KO_DATA_DATE_EPOCH), JSON.stringify(kodata));
    ok(tarTimes(img.layers.at(-1)!).every(([, mtime]) => mtime === 0));
    // The templated ldflags: {{.Date}} in UTC, {{.Timestamp}} the epoch.
    const commit = (await runOk("git", ["rev-parse", "--short", "HEAD"], { cwd: clone })).stdout
      .trim();
    ok(
      contains(img.layers.at(-1)!, `2023-11-14T22:13:21Z/${SOURCE_DATE_EPOCH}/${commit}`),
      "the binary carries the UTC date",
    );
  });
});

/**
 * SIGKILL at several points of a push, in a real ko process (`deno run main.ts`), against a real
 * registry (Debian's docker-registry) behind a proxy that slows uploads: while the binary layer
 * is compressed into KOCACHE, while it is uploaded, and as the manifest is PUT. Each kill waits
 * for its moment (a temporary file with bytes, bytes seen by the proxy, the request line of the
 * manifest PUT), never for a fixed time. After each kill no tag points at an incomplete image;
 * the rerun succeeds, its image checks out blob by blob, and no temporary file remains.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { startThrottleProxy } from "../helpers/throttle_proxy.ts";
import { temporaryFiles, writeLargeGoApp } from "../helpers/large_images.ts";
import { pushedImageProblems } from "../helpers/pushed_image.ts";
import { tempDir, waitFor } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { spawnKo } from "../helpers/ko_process.ts";

/** The random bytes the app embeds: a binary layer of about 6 MB, some 6 s at the proxy's rate. */
const EMBEDDED = 6 << 20;
const UPLOAD_RATE = 1 << 20;

interface KillPoint {
  name: string;
  /** A truthy value once it is time to kill. */
  reached(state: { kocache: string; sent: number; requests: readonly string[] }): Promise<unknown>;
  /** Whether the kill must have left a temporary file (the moment is inside a write). */
  leavesTemp: boolean;
}

const POINTS: KillPoint[] = [
  {
    name: "while the binary layer is compressed into KOCACHE",
    reached: async ({ kocache }) => {
      for (const p of await temporaryFiles(kocache)) {
        if (p.includes("/layers/") && (await Deno.stat(p).catch(() => undefined))?.size) return p;
      }
      return undefined;
    },
    leavesTemp: true,
  },
  {
    name: "while the binary layer is uploaded",
    reached: ({ sent, requests }) =>
      Promise.resolve(
        requests.some((r) => /^P(UT|ATCH) .*\/blobs\/uploads\//.test(r)) && sent > 1 << 20,
      ),
    leavesTemp: false,
  },
  {
    name: "as the manifest is PUT",
    reached: ({ requests }) =>
      Promise.resolve(requests.some((r) => /^PUT .*\/manifests\//.test(r))),
    leavesTemp: false,
  },
];

Deno.test("a push killed at any point leaves no tag on an incomplete image, and reruns", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using slow = startThrottleProxy(registry.host, UPLOAD_RATE);
  const bases = await pushFixtureBases(registry);
  const src = await writeLargeGoApp(join(tmp.path, "src"), "example.com/pushkill", EMBEDDED);

  /** Every tag of `repo` names an image whose blobs are all there and check out. */
  const tagProblems = async (repo: string) => {
    const res = await registryFetch(registry, `/v2/${repo}/tags/list`);
    const tags: string[] = res.ok ? (await res.json()).tags ?? [] : [];
    if (!res.ok) await res.body?.cancel();
    const problems: string[] = [];
    for (const tag of tags) {
      problems.push(...(await pushedImageProblems(registry, repo, tag)).map((p) => `${tag}: ${p}`));
      // An attachment tag (`sha256-<hex>`, `sha256-<hex>.sbom`) names an image that is there.
      const subject = /^sha256-([0-9a-f]{64})/.exec(tag)?.[1];
      if (subject) {
        const head = await registryFetch(registry, `/v2/${repo}/manifests/sha256:${subject}`, {
          method: "HEAD",
          headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
        });
        await head.body?.cancel();
        if (head.status !== 200) problems.push(`${tag}: its image is missing (${head.status})`);
      }
    }
    return problems;
  };

  for (const [i, point] of POINTS.entries()) {
    await t.step(`killed ${point.name}`, async () => {
      const repo = `pushkill${i}`;
      const kocache = join(tmp.path, `kocache${i}`);
      const env = (host: string) => ({
        KO_DOCKER_REPO: `${host}/${repo}`,
        KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
        KOCACHE: kocache,
      });
      const args = ["build", "--bare", "-t", "t", "."];
      {
        await using run = spawnKo(args, { cwd: src, env: env(slow.host) });
        await waitFor(point.name, async () => {
          if (run.exited) throw new Error(`ko ended before the kill:\n${run.stderr()}`);
          const state = { kocache, sent: slow.sent, requests: slow.requests };
          return await point.reached(state) ? true : undefined;
        }, { timeoutMs: 120_000, intervalMs: 5 });
        run.kill("SIGKILL");
        equal((await run.done()).signal, "SIGKILL");
      }
      deepEqual(await tagProblems(repo), []);
      if (point.leavesTemp) ok((await temporaryFiles(kocache)).length > 0, "killed mid-write");

      const r = await ko(args, { cwd: src, env: env(registry.host) });
      equal(r.code, 0, r.stderr);
      deepEqual(await pushedImageProblems(registry, repo, "t"), []);
      deepEqual(await tagProblems(repo), []);
      deepEqual(await temporaryFiles(kocache), []);
    });
  }
});

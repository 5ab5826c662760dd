/**
 * Fault soak: 50 `ko build`s, each pushing an image of its own (a kodata file differs, so a new
 * layer, config, manifest and SBOM are uploaded each time), run a few at a time as real ko
 * processes through the fault proxy in front of the real registry, with 10% of the requests
 * faulted: 503 with `Retry-After: 0`, a reset before the answer, a delay, a truncated response
 * body, and an upload body cut mid-way. Every build succeeds with one digest reference on stdout;
 * read back from the registry directly, every image checks out blob by blob and every
 * attachment tag (`sha256-<hex>`, `.sbom`, `.sig`, `.att`) names a manifest of its repository.
 *
 * The faults come from a seed, printed with the figures (requests, faults by kind, retries,
 * time); `KO_SOAK_SEED=<n>` replays a run.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { FAULT_KINDS, mixedFaults, seedFromEnv } from "../helpers/fault_mix.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { spawnKo } from "../helpers/ko_process.ts";
import { pushedImageProblems } from "../helpers/pushed_image.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { type RegistryServer, startRegistry } from "../helpers/registry_server.ts";
import { tempDir } from "../helpers/tools.ts";

const PUSHES = 50;
const AT_ONCE = 3;
const FAULT_RATE = 0.1;
/**
 * A seed whose faults include every kind, and three in a row on some requests: with ggcr's 3
 * attempts, two of the builds fail.
 */
const DEFAULT_SEED = 3;

/** A build's outcome. */
interface Push {
  index: number;
  repo: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** `repo`'s tags, read from the registry directly. */
async function tagsOf(registry: RegistryServer, repo: string): Promise<string[]> {
  const res = await registryFetch(registry, `/v2/${repo}/tags/list`);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${repo}: tags/list answered ${res.status}`);
  }
  return ((await res.json()).tags ?? []).sort();
}

/**
 * The problems of `repo`'s tags: each names an image or artifact that checks out blob by blob,
 * and each attachment tag names a manifest that is there.
 */
async function tagProblems(
  registry: RegistryServer,
  repo: string,
  tags: string[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const tag of tags) {
    problems.push(...(await pushedImageProblems(registry, repo, tag)).map((p) => `${tag}: ${p}`));
    const subject = /^sha256-([0-9a-f]{64})(\.(sbom|sig|att))?$/.exec(tag)?.[1];
    if (!subject) continue;
    const head = await registryFetch(registry, `/v2/${repo}/manifests/sha256:${subject}`, {
      method: "HEAD",
      headers: {
        accept: [
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
        ].join(", "),
      },
    });
    await head.body?.cancel();
    if (head.status !== 200) problems.push(`${repo}:${tag} names a missing manifest`);
  }
  return problems;
}

Deno.test("50 pushes through 10% mixed faults all succeed, verify, and orphan no tag", async () => {
  const seed = seedFromEnv("KO_SOAK_SEED", DEFAULT_SEED);
  console.log(`fault soak seed: ${seed} (replay with KO_SOAK_SEED=${seed})`);
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  await using proxy = await startFaultProxy(registry.host, mixedFaults(seed, FAULT_RATE));
  const kocache = join(tmp.path, "kocache");

  const build = async (index: number): Promise<Push> => {
    const dir = await writeGoApp(join(tmp.path, `app${index}`), {
      module: "example.com/soak",
      files: {
        "main.go": PRINT_KODATA_MAIN,
        "kodata/hello.txt": `push ${index} of seed ${seed}\n`,
      },
    });
    const repo = `soak/app${index}`;
    await using run = spawnKo(["build", "-v", "--bare", "."], {
      cwd: dir,
      env: {
        KO_DOCKER_REPO: `${proxy.host}/${repo}`,
        KO_DEFAULTBASEIMAGE: `${proxy.host}/${bases.ociImage.repo}:${bases.ociImage.tag}`,
        KOCACHE: kocache,
      },
    });
    const { code, stdout, stderr } = await run.done();
    return { index, repo, code, stdout, stderr };
  };

  const started = performance.now();
  const pushes: Push[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (next < PUSHES) pushes.push(await build(next++));
  }));
  const seconds = (performance.now() - started) / 1000;

  const faults = Object.fromEntries(
    FAULT_KINDS.map((k) => [k, proxy.requests.filter((r) => r.outcome === k).length]),
  );
  const retries = pushes.reduce(
    (sum, p) => sum + p.stderr.split("\n").filter((l) => / retrying /.test(l)).length,
    0,
  );
  console.log(
    `fault soak: ${PUSHES} pushes, ${AT_ONCE} at a time, in ${seconds.toFixed(1)} s; ` +
      `${proxy.requests.length} requests, ` +
      `${Object.values(faults).reduce((a, b) => a + b, 0)} faults ` +
      `(${Object.entries(faults).map(([k, n]) => `${k}: ${n}`).join(", ")}), ` +
      `${retries} retries`,
  );

  const failed = pushes.filter((p) => p.code !== 0);
  for (const p of failed) console.log(`push ${p.index} exited ${p.code}; its stderr:\n${p.stderr}`);
  deepEqual(
    failed.map((p) => `push ${p.index} (seed ${seed}): ${p.stderr.match(/^Error: .*$/m)?.[0]}`),
    [],
  );
  const digests = new Set<string>();
  for (const p of pushes.sort((a, b) => a.index - b.index)) {
    const refs = p.stdout.split("\n").filter((l) => l !== "");
    equal(refs.length, 1, `push ${p.index} printed ${JSON.stringify(p.stdout)}`);
    equal(refs[0]!.split("@")[0], `${proxy.host}/${p.repo}`);
    match(refs[0]!, /@sha256:[0-9a-f]{64}$/);
    const digest = refs[0]!.split("@")[1]!;
    digests.add(digest);
    deepEqual(await pushedImageProblems(registry, p.repo, digest), [], `push ${p.index}`);
    const tags = await tagsOf(registry, p.repo);
    deepEqual(await tagProblems(registry, p.repo, tags), [], `push ${p.index}`);
    // The tag, the SBOM's cosign-style tag and the referrers fallback tag: nothing was skipped.
    const hex = digest.slice("sha256:".length);
    deepEqual(tags, ["latest", `sha256-${hex}`, `sha256-${hex}.sbom`], `push ${p.index}`);
  }
  equal(digests.size, PUSHES, "each push is an image of its own");
  for (const kind of FAULT_KINDS) ok(faults[kind]! > 0, `no ${kind} fault was injected`);
  ok(retries > 0, "no build retried anything");
});

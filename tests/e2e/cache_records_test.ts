/**
 * Damaged cache records are never believed, against a real registry (Debian's docker-registry):
 * one hex digit of `diffId`, or the `size`, changed in a KOCACHE layer record or in the
 * `layer.json` kept next to a binary without KOCACHE. The rebuild detects it, makes the layer
 * again, and the pushed image checks out blob by blob (every digest, size and diff_id), even
 * when the registry already has the layer and no byte of it is uploaded.
 */
import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { pushedImageProblems } from "../helpers/pushed_image.ts";

/** Go's build cache, which the test's own XDG_CACHE_HOME would otherwise move. */
const GO_CACHE = new TextDecoder().decode(
  new Deno.Command("go", { args: ["env", "GOCACHE"], stdout: "piped" }).outputSync().stdout,
).trim();

/** `digest` with its last hex digit changed. */
function flipLastDigit(digest: string): string {
  const last = digest.at(-1)!;
  return digest.slice(0, -1) + (last === "0" ? "1" : "0");
}

/** The damages each kind of record is put through, each followed by a rebuild. */
const DAMAGES: Array<[string, (r: Record<string, unknown>) => void]> = [
  ["one hex digit of diffId", (r) => (r.diffId = flipLastDigit(String(r.diffId)))],
  ["the size", (r) => (r.size = Number(r.size) + 1)],
  ["one hex digit of digest", (r) => (r.digest = flipLastDigit(String(r.digest)))],
];

Deno.test("damaged layer records are detected and rebuilt, never believed", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/records",
    files: { "main.go": 'package main\n\nfunc main() { println("records") }\n' },
  });
  const kocache = join(tmp.path, "kocache");
  const xdg = join(tmp.path, "xdg");
  const platformDir = "example.com/records/linux/amd64";
  const kinds: Array<{ name: string; env: Record<string, string>; record(): Promise<string> }> = [
    {
      name: "KOCACHE",
      env: { KOCACHE: kocache },
      record: async () => {
        const dir = join(kocache, "bin", platformDir, "layers");
        const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
        const records = names.filter((n) => n.endsWith(".json"));
        equal(records.length, 1, names.join(" "));
        return join(dir, records[0]!);
      },
    },
    {
      name: "layer.json without KOCACHE",
      env: { XDG_CACHE_HOME: xdg },
      record: () => Promise.resolve(join(xdg, "ko-ts/bin", platformDir, "layer.json")),
    },
  ];
  for (const kind of kinds) {
    const env = {
      KO_DOCKER_REPO: `${registry.host}/records`,
      KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
      GOCACHE: GO_CACHE,
      ...kind.env,
    };
    const build = async () => {
      const r = await ko(["build", "-v", "--sbom=none", "-B", "-t", "t", "."], { cwd: src, env });
      equal(r.code, 0, r.stderr);
      return r;
    };
    const first = (await build()).stdout.trim();
    for (const [what, damage] of DAMAGES) {
      await t.step(`${kind.name}: ${what} changed`, async () => {
        const path = await kind.record();
        const record = JSON.parse(await Deno.readTextFile(path));
        damage(record);
        await Deno.writeTextFile(path, JSON.stringify(record, null, 2) + "\n");
        const r = await build();
        // An image that checks out blob by blob: the same as before the damage.
        deepEqual(await pushedImageProblems(registry, "records/records", "t"), []);
        equal(r.stdout.trim(), first);
        match(r.stderr, /damaged record \(its fields do not match its check\); rebuilding/);
        notEqual(await Deno.readTextFile(path), JSON.stringify(record, null, 2) + "\n");
      });
    }
  }
});

/**
 * Re-records tests/testdata/sbom/ko (the reference for ko_parity_test.ts) with a real ko
 * binary: `KO_REF=/path/to/ko .tools/bin/deno run -A tests/sbom/record_ko_sboms.ts`.
 * ko v0.19.1 builds offline from its module source: `go build -o /tmp/ko .` in
 * `$(go env GOMODCACHE)/github.com/google/ko@v0.19.1`. `go build` is stood in for by a script
 * that copies the fixture binary, so the recorded `go version -m` text is that binary's.
 */
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { buildFixtureApp, FIXTURE_APP_DIR } from "./fixture_app.ts";

const OUT = new URL("../testdata/sbom/ko/", import.meta.url).pathname;
const PROXY = new URL("../testdata/sbom/proxy", import.meta.url).pathname;
const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(",");

async function main(ko: string): Promise<void> {
  const built = await buildFixtureApp();
  const work = await Deno.makeTempDir({ prefix: "ko-sbom-ref-" });
  await using registry = await startRegistry();
  try {
    await Deno.writeTextFile(
      `${work}/go.sh`,
      `#!/usr/bin/env bash
if [ "$1" = "build" ]; then
  out=""; prev=""
  for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
  exec cp "${built.binary}" "$out"
fi
exec go "$@"
`,
    );
    await Deno.chmod(`${work}/go.sh`, 0o755);
    await new Deno.Command("cp", { args: ["-r", FIXTURE_APP_DIR, `${work}/app`] }).output();
    const bases = await pushFixtureBases(registry);
    const env = {
      KO_DOCKER_REPO: `${registry.host}/koref`,
      KO_GO_PATH: `${work}/go.sh`,
      GOPROXY: `file://${PROXY}`,
      GOSUMDB: "off",
      GOFLAGS: "-mod=readonly -modcacherw",
      GOMODCACHE: `${work}/modcache`,
      GOTOOLCHAIN: "local",
      SOURCE_DATE_EPOCH: "1700000001",
      TZ: "UTC",
    };
    const get = async (path: string) =>
      JSON.parse(
        await (await fetch(`${registry.url}/v2/${path}`, { headers: { Accept: ACCEPT } })).text(),
      );
    const cases = [
      { name: "oci-image", base: bases.ociImage.ref, flags: [] as string[] },
      { name: "docker-image", base: bases.dockerImage.refByDigest, flags: [] },
      {
        name: "oci-index",
        base: bases.ociIndex.ref,
        flags: ["--platform=linux/amd64,linux/arm/v7"],
      },
      { name: "docker-list", base: bases.dockerList.ref, flags: ["--platform=all"] },
    ];
    const record: Record<string, unknown> = {};
    for (const c of cases) {
      const dir = `${OUT}${c.name}`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      const out = await new Deno.Command(ko, {
        args: ["build", "-B", `--sbom-dir=${dir}`, ...c.flags, "./"],
        cwd: `${work}/app`,
        env: { ...env, KO_DEFAULTBASEIMAGE: c.base },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
      const ref = new TextDecoder().decode(out.stdout).trim();
      const [name, digest] = ref.split("@") as [string, string];
      const repo = name.slice(registry.host.length + 1);
      const manifest = await get(`${repo}/manifests/${digest}`);
      const entry: Record<string, unknown> = { ref, digest, manifest };
      if (manifest.manifests) {
        const children = [];
        for (const d of manifest.manifests) {
          const m = await get(`${repo}/manifests/${d.digest}`);
          children.push({
            descriptor: d,
            manifest: m,
            config: await get(`${repo}/blobs/${m.config.digest}`),
          });
        }
        entry.children = children;
      } else {
        entry.config = await get(`${repo}/blobs/${manifest.config.digest}`);
      }
      record[c.name] = entry;
    }
    const gvm = await new Deno.Command("go", {
      args: ["version", "-m", built.binary],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(gvm.stdout).replace(built.binary, "/ko-app/App");
    await Deno.writeTextFile(`${OUT}go-version-m.txt`, text);
    await Deno.writeTextFile(`${OUT}ko-results.json`, JSON.stringify(record, null, 2) + "\n");
  } finally {
    await built.cleanup();
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  const ko = Deno.env.get("KO_REF");
  if (!ko) throw new Error("set KO_REF to a ko binary");
  await main(ko);
}

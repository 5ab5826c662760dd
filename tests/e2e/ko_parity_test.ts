/**
 * Compatibility bar: for the same binary and kodata, our config (and with it every diff_id)
 * is byte-identical to ko's. The expected config digests below were produced by real ko
 * v0.19.1 (`go install github.com/google/ko@v0.19.1`) building this same app with the same
 * fake `go` (tests/testdata/parity/fake_go.sh, KO_GO_PATH) onto the same fixture bases, with
 * `--sbom=none`, `KO_DATA_DATE_EPOCH=1700000000`, `SOURCE_DATE_EPOCH=1700000001` and `TZ=UTC`.
 * The kodata covers nested directories, a >100-byte name (PAX), a non-ASCII name, a symlinked
 * directory and a file that is not a multiple of 512 bytes.
 */
import { equal } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoInspect, tempDir } from "../helpers/tools.ts";
import { koOk } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";

const KO_CONFIG_DIGEST = {
  oci: "sha256:ca3d3bc3cb464862347016a2d98903a130e594286cd039b6197b0aca0caf8ac0",
  docker: "sha256:012ab705235e1a7f7e6a1ca89f6076bdd082095f543ab8c42fc5c0c8b8e8b4bb",
};

/** 2 MiB of deterministic bytes standing in for a Go binary. */
function fixedBinary(): Uint8Array {
  const out = new Uint8Array(2 * 1024 * 1024);
  for (let i = 0; i * 32 < out.length; i++) {
    out.set(createHash("sha256").update(String(i)).digest(), i * 32);
  }
  return out;
}

Deno.test("our config and diff_ids equal ko v0.19.1's for the same binary and kodata", async () => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const binary = join(tmp.path, "fixed-binary");
  await Deno.writeFile(binary, fixedBinary());
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/compat",
    files: {
      "cmd/app/main.go": PRINT_KODATA_MAIN,
      "cmd/app/kodata/hello.txt": "Hello there\n",
      "cmd/app/kodata/b/c.txt": "x".repeat(700),
      ["cmd/app/kodata/" + "n".repeat(120) + ".txt"]: "long\n",
      "cmd/app/kodata/ünï.txt": "unicode\n",
    },
    symlinks: { "cmd/app/kodata/link": "b" },
  });
  for (const [family, base] of [["oci", bases.ociImage], ["docker", bases.dockerImage]] as const) {
    const [ref] = await koOk(["build", "--sbom=none", "-B", "./cmd/app"], {
      cwd: src,
      env: {
        KO_DOCKER_REPO: `${registry.host}/compat`,
        KO_DEFAULTBASEIMAGE: base.ref,
        KO_GO_PATH: fileURLToPath(new URL("../testdata/parity/fake_go.sh", import.meta.url)),
        PARITY_BINARY: binary,
        KO_DATA_DATE_EPOCH: "1700000000",
        SOURCE_DATE_EPOCH: "1700000001",
        TZ: "Asia/Tokyo", // ours writes UTC whatever the zone; ko needed TZ=UTC for this digest
      },
    });
    const raw = await skopeoInspect(ref!, { raw: true });
    equal((raw.config as { digest: string }).digest, KO_CONFIG_DIGEST[family], family);
  }
});

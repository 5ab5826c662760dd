/**
 * SLSA provenance from real Go build info: `go version -m` of the cosign binary (several
 * hundred modules with go.sum hashes) gives a predicate listing every module with its hash.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { parseGoVersionM } from "../../src/go/build_info.ts";
import type { BuildProvenance } from "../../src/image/provenance.ts";
import { imageProvenance, indexProvenance } from "../../src/sign/slsa_provenance.ts";
import { cosignBinary } from "../helpers/cosign.ts";
import { runOk } from "../helpers/tools.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function record(platform: string, startedOn: string, finishedOn: string) {
  const text = (await runOk("go", ["version", "-m", await cosignBinary()])).stdout;
  return {
    importPath: "github.com/sigstore/cosign/v2/cmd/cosign",
    platform,
    flags: ["-trimpath"],
    ldflags: ["-s", "-w"],
    envKeys: ["CGO_ENABLED", "GOARCH", "GOOS"],
    base: { name: "cgr.dev/chainguard/static:latest", digest: `sha256:${"a".repeat(64)}` },
    buildInfo: parseGoVersionM(text),
    startedOn,
    finishedOn,
  } satisfies BuildProvenance;
}

Deno.test("an image's provenance lists every Go module with its go.sum hash", async () => {
  const p = await record("linux/amd64", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z");
  const pred: Json = imageProvenance(p);
  deepEqual(pred.buildDefinition.externalParameters, {
    importPath: p.importPath,
    platform: "linux/amd64",
    flags: ["-trimpath"],
    ldflags: ["-s", "-w"],
    env: ["CGO_ENABLED", "GOARCH", "GOOS"],
  });
  deepEqual(pred.runDetails.metadata, {
    startedOn: "2024-01-01T00:00:00Z",
    finishedOn: "2024-01-01T00:01:00Z",
  });
  const deps: Json[] = pred.buildDefinition.resolvedDependencies;
  deepEqual(deps[0], { name: p.base.name, digest: { sha256: "a".repeat(64) } });
  equal(deps[1].name, "go");
  equal(deps[1].uri, `pkg:golang/stdlib@${p.buildInfo.goVersion.slice(2)}`);
  ok(p.buildInfo.deps.length > 100);
  for (const m of p.buildInfo.deps) {
    const used = m.replace ?? m;
    const d = deps.find((x) => x.uri === `pkg:golang/${used.path}@${used.version}`);
    ok(d, `${used.path} is missing`);
    equal(d.annotations?.["go.sum"], used.sum);
    // dirHash is the go.sum h1 hash in hex.
    equal(
      d.digest.dirHash,
      Array.from(Uint8Array.fromBase64(used.sum.slice(3)), (b) => b.toString(16).padStart(2, "0"))
        .join(""),
    );
  }
});

Deno.test("an index's provenance: its platforms, span of times, images as byproducts", async () => {
  const a = await record("linux/amd64", "2024-01-01T00:00:05Z", "2024-01-01T00:01:00Z");
  const b = await record("linux/arm64", "2024-01-01T00:00:01Z", "2024-01-01T00:02:00Z");
  const mt = "application/vnd.oci.image.manifest.v1+json";
  const pred: Json = indexProvenance(a.importPath, a.base, [
    { digest: `sha256:${"1".repeat(64)}`, mediaType: mt, provenance: a },
    { digest: `sha256:${"2".repeat(64)}`, mediaType: mt, provenance: b },
  ]);
  deepEqual(pred.buildDefinition.externalParameters, {
    importPath: a.importPath,
    platforms: ["linux/amd64", "linux/arm64"],
  });
  deepEqual(pred.runDetails.metadata, {
    startedOn: "2024-01-01T00:00:01Z",
    finishedOn: "2024-01-01T00:02:00Z",
  });
  deepEqual(pred.runDetails.byproducts, [
    { name: "linux/amd64", digest: { sha256: "1".repeat(64) }, mediaType: mt },
    { name: "linux/arm64", digest: { sha256: "2".repeat(64) }, mediaType: mt },
  ]);
  // The same modules in both children are listed once.
  const uris = pred.buildDefinition.resolvedDependencies.map((d: Json) => JSON.stringify(d));
  equal(new Set(uris).size, uris.length);
});

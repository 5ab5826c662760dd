import { equal } from "node:assert/strict";
import { md5Hex, namer, namingStrategy } from "../../src/publish/naming.ts";

Deno.test("md5Hex matches ko's naming vectors", () => {
  equal(md5Hex("example.org/sample/cmd/example"), "51d74b7127c5f7495a338df33ecdeb19");
  equal(md5Hex("github.com/google/ko"), "98b8c7facdad74510a7cae0cd368eb4e");
  equal(md5Hex("github.com/google/ko/test"), "46c4b272b3716c422d5ff6dfc7547fa9");
});

Deno.test("namer gives ko's names for every strategy", () => {
  const ip = "example.org/sample/cmd/example";
  const base = "registry.example.org/foo/bar";
  equal(
    namer("md5")(base, ip),
    "registry.example.org/foo/bar/example-51d74b7127c5f7495a338df33ecdeb19",
  );
  equal(namer("preserve")(base, ip), "registry.example.org/foo/bar/example.org/sample/cmd/example");
  equal(namer("base")(base, ip), "registry.example.org/foo/bar/example");
  equal(namer("bare")(base, ip), base);
  // path.Join collapses an empty base: `--push=false` without KO_DOCKER_REPO.
  equal(namer("md5")("", "github.com/google/ko/test"), "test-46c4b272b3716c422d5ff6dfc7547fa9");
});

Deno.test("namingStrategy applies ko's precedence -P, then -B, then --bare", () => {
  equal(namingStrategy({}), "md5");
  equal(namingStrategy({ bare: true }), "bare");
  equal(namingStrategy({ bare: true, baseImportPaths: true }), "base");
  equal(
    namingStrategy({ preserveImportPaths: true, baseImportPaths: true, bare: true }),
    "preserve",
  );
});

import { equal } from "node:assert/strict";
import { encodeQuery, goModulePurl, ociPurl } from "../../src/sbom/purl.ts";

const D = "sha256:" + "ab".repeat(32);

Deno.test("encodeQuery sorts keys and keeps the order of repeated keys", () => {
  equal(
    encodeQuery([["mediaType", "m/t"], ["arch", "arm64"], ["os", "windows"], [
      "os-feature",
      "win32k",
    ], ["os-feature", "a"]]),
    "arch=arm64&mediaType=m%2Ft&os=windows&os-feature=win32k&os-feature=a",
  );
  equal(encodeQuery([]), "");
});

Deno.test("ociPurl uses the last path segment and adds qualifiers only when given", () => {
  equal(ociPurl("image", D), `pkg:oci/image@${D}`);
  equal(ociPurl("a/b/index", D, [["mediaType", "x+y"]]), `pkg:oci/index@${D}?mediaType=x%2By`);
});

Deno.test("goModulePurl lowercases the first two segments of paths longer than two", () => {
  equal(
    goModulePurl({ path: "github.com/Google/Go-Containerregistry/Pkg", version: "v1.0.0" }),
    "pkg:golang/github.com/google/Go-Containerregistry/Pkg@v1.0.0?type=module",
  );
  equal(
    goModulePurl({ path: "Example.com/Foo", version: "v0.1.0+incompatible" }),
    "pkg:golang/Example.com/Foo@v0.1.0+incompatible?type=module",
  );
  equal(goModulePurl({ path: "", version: "" }), "pkg:golang/@?type=module");
});

import { equal } from "node:assert/strict";
import { queryEscape } from "../../src/util/query_escape.ts";

Deno.test("queryEscape escapes like Go's url.QueryEscape", () => {
  equal(
    queryEscape("application/vnd.oci.image.manifest.v1+json"),
    "application%2Fvnd.oci.image.manifest.v1%2Bjson",
  );
  equal(queryEscape("a b~c-d_e.f"), "a+b~c-d_e.f");
  equal(queryEscape("10.0.20348:x&y=z"), "10.0.20348%3Ax%26y%3Dz");
  equal(queryEscape("é"), "%C3%A9");
});

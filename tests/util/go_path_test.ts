import { equal } from "node:assert/strict";
import { cleanPath, joinPath, lastElement } from "../../src/util/go_path.ts";

Deno.test("lastElement, joinPath and cleanPath behave like Go's path package", () => {
  equal(lastElement("a/b/c"), "c");
  equal(lastElement("a/b/"), "b");
  equal(lastElement(""), ".");
  equal(lastElement("///"), "/");
  equal(joinPath("", "x"), "x");
  equal(joinPath("a/", "/b"), "a/b");
  equal(joinPath("", "PaxHeaders.0", "f"), "PaxHeaders.0/f");
  equal(joinPath("/a/", "PaxHeaders.0", "f"), "/a/PaxHeaders.0/f");
  equal(cleanPath("a/./b/../c"), "a/c");
  equal(cleanPath("/../a"), "/a");
  equal(cleanPath("../a/.."), "..");
});

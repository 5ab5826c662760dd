import { deepEqual, equal } from "node:assert/strict";
import {
  mergeScopes,
  pullScope,
  pushScope,
  pushScopes,
  repoName,
  scopeKey,
} from "../../src/registry/scope.ts";

Deno.test("pullScope and pushScope use the distribution token scope grammar", () => {
  equal(pullScope("library/alpine"), "repository:library/alpine:pull");
  equal(pushScope("team/app"), "repository:team/app:push,pull");
});

Deno.test("pushScopes adds pull on each distinct mount source of the same registry", () => {
  const target = { registry: "r.example", repository: "team/app" };
  deepEqual(pushScopes(target), ["repository:team/app:push,pull"]);
  deepEqual(pushScopes(target, ["base/img", "base/img", "team/app"]), [
    "repository:team/app:push,pull",
    "repository:base/img:pull",
  ]);
});

Deno.test("mergeScopes puts newly required scopes first without duplicates", () => {
  deepEqual(mergeScopes(["repository:a:pull"], ["repository:b:pull", "repository:a:pull"]), [
    "repository:b:pull",
    "repository:a:pull",
  ]);
});

Deno.test("scopeKey ignores order and duplicates", () => {
  equal(scopeKey(["b", "a", "b"]), scopeKey(["a", "b"]));
  equal(repoName({ registry: "h:5000", repository: "x/y" }), "h:5000/x/y");
});

import { deepEqual, equal } from "node:assert/strict";
import { labelKeyErrors, labelValueErrors } from "../../src/resolve/label_validation.ts";

Deno.test("labelKeyErrors accepts prefixed keys and rejects long names", () => {
  deepEqual(labelKeyErrors("app.kubernetes.io/name"), []);
  deepEqual(labelKeyErrors("a"), []);
  deepEqual(labelKeyErrors("A_b.c-D"), []);
  equal(labelKeyErrors(`${"a".repeat(63)}`).length, 0);
  equal(labelKeyErrors(`${"a".repeat(64)}`).length, 1);
});

Deno.test("labelValueErrors accepts the empty value and dotted, dashed values", () => {
  for (const ok of ["", "a", "v1.2.3", "my_value-1", "x".repeat(63)]) {
    deepEqual(labelValueErrors(ok), [], ok);
  }
  for (const bad of ["-a", "a-", ".a", "a b", "ü", "x".repeat(64)]) {
    equal(labelValueErrors(bad).length > 0, true, bad);
  }
});

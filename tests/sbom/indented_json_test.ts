import { equal } from "node:assert/strict";
import { indentedJson } from "../../src/sbom/indented_json.ts";
import { goCheck } from "./gocheck.ts";

Deno.test("indentedJson writes nested values with two-space indent and a trailing newline", () => {
  equal(
    indentedJson({ a: 1, b: [true, null, "x"], c: {}, d: [], e: undefined, f: { g: false } }),
    '{\n  "a": 1,\n  "b": [\n    true,\n    null,\n    "x"\n  ],\n  "c": {},\n  "d": [],\n' +
      '  "f": {\n    "g": false\n  }\n}\n',
  );
});

Deno.test("indentedJson keeps insertion order rather than sorting keys", () => {
  equal(indentedJson({ z: 1, a: 2 }), '{\n  "z": 1,\n  "a": 2\n}\n');
});

Deno.test("indentedJson escapes strings byte for byte like Go's encoding/json", async () => {
  const strings = [
    "plain",
    "a&b<c>d",
    'quote" backslash\\ slash/',
    "\b\f\n\r\t\u0000\u0001\u001f\u007f",
    "line\u2028sep\u2029",
    "é ü 日本 🙂",
    "\\u0008 literally",
    "lone \ud800 surrogate",
  ];
  const numbers = [0, 1, -7, 123456789];
  const value = [...strings, ...numbers, true, false, null, [], ["nested", ["deeper"]]];
  equal(indentedJson(value), await goCheck("encode", JSON.stringify(value)));
});

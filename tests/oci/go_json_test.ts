import { equal as assertEquals } from "node:assert/strict";
import { compareUtf8, goString, goTime } from "../../src/oci/go_json.ts";
import { parseConfig, serializeConfig } from "../../src/oci/config.ts";

Deno.test("goString escapes HTML characters and line separators as Go does", () => {
  assertEquals(goString("a<b>&c\u2028"), '"a\\u003cb\\u003e\\u0026c\\u2028"');
  assertEquals(goString('q"\\\n\t\x01'), '"q\\"\\\\\\n\\t\\u0001"');
});

Deno.test("goTime normalises fractions and zero offsets like a Go round trip", () => {
  assertEquals(goTime("2024-01-02T03:04:05.120000Z"), "2024-01-02T03:04:05.12Z");
  assertEquals(goTime("2024-01-02T03:04:05+00:00"), "2024-01-02T03:04:05Z");
  assertEquals(goTime("2024-01-02T03:04:05.000+02:00"), "2024-01-02T03:04:05+02:00");
  assertEquals(goTime(""), "0001-01-01T00:00:00Z");
});

Deno.test("serializeConfig writes ggcr's field order and drops unknown fields", () => {
  const c = parseConfig(
    JSON.stringify({
      os: "linux",
      architecture: "amd64",
      container_config: { Env: ["X=1"] },
      config: { env: ["PATH=/bin"], User: "65532", Labels: { b: "2", a: "1" } },
      rootfs: { type: "layers", diff_ids: [] },
    }),
  );
  assertEquals(
    new TextDecoder().decode(serializeConfig(c)),
    '{"architecture":"amd64","created":"0001-01-01T00:00:00Z","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["PATH=/bin"],"Labels":{"a":"1","b":"2"},"User":"65532"}}',
  );
});

Deno.test("compareUtf8 orders like Go's byte comparison of UTF-8", () => {
  // U+FF21 (FULLWIDTH A) sorts before U+1F600 in UTF-8 bytes, though not in UTF-16 units.
  assertEquals(compareUtf8("\uFF21", "\u{1F600}") < 0, true);
  assertEquals("\uFF21" < "\u{1F600}", false);
  assertEquals(compareUtf8("a", "ab") < 0, true);
  assertEquals(compareUtf8("B", "a") < 0, true);
  assertEquals(compareUtf8("x", "x"), 0);
});

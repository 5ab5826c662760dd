import { deepEqual, equal, throws } from "node:assert/strict";
import { dedupe, parseFlagInt, parseGoBool, splitCsv } from "../../src/cli/flag_values.ts";

Deno.test("parseGoBool accepts every spelling of Go's strconv.ParseBool", () => {
  for (const t of ["1", "t", "T", "TRUE", "true", "True"]) equal(parseGoBool(t), true, t);
  for (const f of ["0", "f", "F", "FALSE", "false", "False"]) equal(parseGoBool(f), false, f);
});

Deno.test("parseGoBool rejects other words", () => {
  for (const v of ["yes", "no", "tRUE", "", " true", "2"]) equal(parseGoBool(v), undefined, v);
});

Deno.test("parseFlagInt reads signed decimals and rejects the rest", () => {
  equal(parseFlagInt("0"), 0);
  equal(parseFlagInt("12"), 12);
  equal(parseFlagInt("+3"), 3);
  equal(parseFlagInt("-4"), -4);
  for (const v of ["", "1.5", "0x10", "ten", "1e3", "99999999999999999999"]) {
    equal(parseFlagInt(v), undefined, v);
  }
});

Deno.test("splitCsv splits on commas and keeps quoted commas", () => {
  deepEqual(splitCsv("a,b,c"), ["a", "b", "c"]);
  deepEqual(splitCsv('a,"b,c",d'), ["a", "b,c", "d"]);
  deepEqual(splitCsv('"say ""hi"""'), ['say "hi"']);
  deepEqual(splitCsv("single"), ["single"]);
});

Deno.test("splitCsv keeps empty and space-padded fields like Go's csv reader", () => {
  deepEqual(splitCsv(""), []);
  deepEqual(splitCsv("a,"), ["a", ""]);
  deepEqual(splitCsv(",a"), ["", "a"]);
  deepEqual(splitCsv("a, b"), ["a", " b"]);
});

Deno.test("splitCsv rejects malformed quotes", () => {
  throws(() => splitCsv('a"b'), /bare " in non-quoted field/);
  throws(() => splitCsv('"ab'), /extraneous or missing " in quoted field/);
  throws(() => splitCsv('"a"b'), /extraneous or missing " in quoted field/);
});

Deno.test("dedupe keeps the first occurrence of each value", () => {
  deepEqual(dedupe(["b", "a", "b", "c", "a"]), ["b", "a", "c"]);
});

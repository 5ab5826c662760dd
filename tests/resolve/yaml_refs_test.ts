import { deepEqual, equal } from "node:assert/strict";
import { parseDocument } from "../../src/deps/yaml.ts";
import { applyEdits } from "../../src/resolve/text_edits.ts";
import { findReferences, isPlainSafe, scalarEdit } from "../../src/resolve/yaml_refs.ts";

const refsOf = (text: string) => findReferences(parseDocument(text)).map((s) => s.ref);

/** Replaces every reference in `text` with `value(ref)`, the way the resolver does. */
function rewrite(text: string, value: (ref: string) => string): string {
  const sites = findReferences(parseDocument(text));
  const edits = sites.map((s) => scalarEdit(text, s, value(s.ref)));
  return applyEdits(text, 0, text.length, edits);
}

Deno.test("findReferences finds ko:// strings in sequences, maps and map keys, in document order", () => {
  const text = [
    "ko://k/first: x",
    "list: [ko://l/one, 'ko://l/two']",
    "nested:",
    "  deeper:",
    "    - a: ko://n/a",
    "    - - ko://n/b",
    "  ko://k/inner: {ko://k/flow: ko://v/flow}",
    "",
  ].join("\n");
  deepEqual(refsOf(text), [
    "ko://k/first",
    "ko://l/one",
    "ko://l/two",
    "ko://n/a",
    "ko://n/b",
    "ko://k/inner",
    "ko://k/flow",
    "ko://v/flow",
  ]);
});

Deno.test("findReferences checks the prefix before trimming and trims the reference", () => {
  deepEqual(refsOf("a: ' ko://leading'\nb: 'ko://trailing   '\nc: |\n  ko://block\n"), [
    "ko://trailing",
    "ko://block",
  ]);
});

Deno.test("findReferences takes !!str scalars, skips other tags and does not follow aliases", () => {
  deepEqual(refsOf("a: !!str ko://str\nb: !custom ko://custom\nc: &x ko://anchored\nd: *x\n"), [
    "ko://str",
    "ko://anchored",
  ]);
  deepEqual(refsOf("a: see ko://x\nb: 42\nc: ~\n"), []);
});

Deno.test("scalarEdit keeps each quoting style", () => {
  const text = [
    "plain: ko://p   # comment",
    "single: 'ko://s'",
    'double: "ko://d"',
    'flow: [ko://f, "ko://g"]',
    "ko://key: v",
    "",
  ].join("\n");
  equal(
    rewrite(text, (r) => `reg.example/${r.slice(5)}@sha256:00`),
    [
      "plain: reg.example/p@sha256:00   # comment",
      "single: 'reg.example/s@sha256:00'",
      'double: "reg.example/d@sha256:00"',
      'flow: [reg.example/f@sha256:00, "reg.example/g@sha256:00"]',
      "reg.example/key@sha256:00: v",
      "",
    ].join("\n"),
  );
});

Deno.test("scalarEdit rewrites block scalars with - chomping, keeping header comment and indent", () => {
  equal(
    rewrite("a: |  # note\n    ko://x\nb: >+\n  ko://y\n\nc: 1\n", () => "r@sha256:1"),
    "a: |-  # note\n    r@sha256:1\nb: >-\n  r@sha256:1\n\nc: 1\n",
  );
  equal(rewrite("a: |\r\n  ko://x\r\n", () => "r"), "a: |-\r\n  r\r\n");
  // A value that cannot be a one-line block body becomes double-quoted on the header's line.
  equal(rewrite("a: |\n  ko://x\nb: 1\n", () => "two\nlines"), 'a: "two\\nlines"\nb: 1\n');
});

Deno.test("scalarEdit quotes a plain value that would not read back as the same string", () => {
  equal(rewrite("a: ko://x\n", () => "123"), 'a: "123"\n');
  equal(rewrite("a: ko://x\n", () => "a: b"), 'a: "a: b"\n');
  equal(rewrite("a: [ko://x]\n", () => "a,b"), 'a: ["a,b"]\n');
  equal(rewrite("a: 'ko://x'\n", () => "it's"), "a: 'it''s'\n");
  equal(rewrite('a: "ko://x"\n', () => 'say "hi"'), 'a: "say \\"hi\\""\n');
});

Deno.test("isPlainSafe accepts image references and rejects what YAML would read otherwise", () => {
  for (const ok of ["reg.example:5000/app@sha256:abc", "ko.local/app:tag", "a/b"]) {
    equal(isPlainSafe(ok, false), true, ok);
    equal(isPlainSafe(ok, true), true, ok);
  }
  for (const bad of ["", " a", "a ", "-x", "*x", "a: b", "a #b", "a:", "true", "yes", "1e3", "~"]) {
    equal(isPlainSafe(bad, false), false, bad);
  }
  equal(isPlainSafe("a,b", false), true);
  equal(isPlainSafe("a,b", true), false);
});

Deno.test("scalarEdit replaces exactly the scalar's source range", () => {
  const text = "k: &a ko://x # c\n";
  const [site] = findReferences(parseDocument(text));
  deepEqual(scalarEdit(text, site!, "v"), { start: 6, end: 12, text: "v", verify: false });
});

import { deepEqual, equal, throws } from "node:assert/strict";
import { forEachDocument, lowerFirst, parseYamlStream } from "../../src/resolve/yaml_stream.ts";
import { applyEdits } from "../../src/resolve/text_edits.ts";
import { KoError } from "../../src/util/errors.ts";

/** Each document's text as the resolver would cut it: lead + own text without the marker. */
function bodies(text: string): string[] {
  const stream = parseYamlStream("f.yaml", text);
  return stream.documents.map((d) =>
    d.lead +
    applyEdits(
      text,
      d.start,
      d.end,
      d.marker ? [{ start: d.marker[0], end: d.marker[1], text: "" }] : [],
    )
  );
}

Deno.test("parseYamlStream cuts documents at their markers, keeping comments with them", () => {
  deepEqual(bodies("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
  // A comment before a separator is part of the preceding document's text.
  deepEqual(bodies("a: 1\n# about b\n---\nb: 2\n"), ["a: 1\n# about b\n", "b: 2\n"]);
  // A header before the first --- stays with the first document.
  deepEqual(bodies("# header\n\n---\na: 1\n"), ["# header\n\na: 1\n"]);
  // A trailing --- opens an empty document.
  deepEqual(bodies("a: 1\n---\n"), ["a: 1\n", ""]);
});

Deno.test("parseYamlStream drops directives, document-end markers and a byte-order mark", () => {
  deepEqual(bodies("%YAML 1.2\n# top\n---\na: 1\n"), ["# top\na: 1\n"]);
  deepEqual(bodies("%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\na: 1\n"), ["a: 1\n"]);
  deepEqual(bodies("a: 1\n...\n# next\n---\nb: 2\n...\n"), ["a: 1\n", "# next\nb: 2\n"]);
  deepEqual(bodies("\uFEFFa: 1\n"), ["a: 1\n"]);
});

Deno.test("parseYamlStream keeps what follows --- on the marker's line", () => {
  deepEqual(bodies("--- # note\na: 1\n"), ["# note\na: 1\n"]);
  deepEqual(bodies("--- |\n  text\n"), ["|\n  text\n"]);
  const stream = parseYamlStream("f.yaml", "--- |\n  text\n---\na: 1\n--- # c\nb: 2\n");
  deepEqual(stream.documents.map((d) => d.markerHasContent), [true, false, false]);
});

Deno.test("parseYamlStream gives no documents for an empty or comment-only file", () => {
  deepEqual(bodies(""), []);
  deepEqual(bodies("# nothing\n"), []);
});

Deno.test("parseYamlStream reports malformed YAML as file:line:column", () => {
  throws(
    () => parseYamlStream("bad.yaml", "ok: 1\n---\na: b: c\n"),
    new KoError("bad.yaml:3:4: nested mappings are not allowed in compact mappings"),
  );
  throws(
    () => parseYamlStream("bad.yaml", "a:\n  - b\n c: d\n"),
    /^KoError: bad\.yaml:3:1: /,
  );
  throws(
    () => parseYamlStream("-", 'a: "unterminated\n'),
    new KoError('-:2:1: missing closing "quote'),
  );
});

Deno.test("parseYamlStream rejects an alias to an unknown anchor, as go-yaml does", () => {
  throws(
    () => parseYamlStream("bad.yaml", "a: 1\n---\nb: &x 1\nc:\n  d: *nope\n"),
    new KoError("bad.yaml:5:6: unknown anchor 'nope' referenced"),
  );
  // An anchor counts only after it is defined, and only within its own document.
  throws(() => parseYamlStream("f.yaml", "a: *x\nb: &x 1\n"), /f\.yaml:1:4: unknown anchor 'x'/);
  throws(
    () => parseYamlStream("f.yaml", "a: &x 1\n---\nb: *x\n"),
    /f\.yaml:3:4: unknown anchor 'x'/,
  );
  equal(parseYamlStream("f.yaml", "a: &x 1\nb: *x\n").documents.length, 1);
  equal(parseYamlStream("f.yaml", "a: {k}\nb: &y\nc: *y\n").documents.length, 1); // null nodes
});

Deno.test("parseYamlStream accepts duplicate keys, as ko does", () => {
  equal(parseYamlStream("f.yaml", "a: 1\na: 2\n").documents.length, 1);
});

Deno.test("parseYamlStream positions are 1-based lines and columns", () => {
  const s = parseYamlStream("f.yaml", "a: 1\nbb: 2\n");
  deepEqual(s.position(0), { line: 1, column: 1 });
  deepEqual(s.position(5), { line: 2, column: 1 });
  deepEqual(s.position(9), { line: 2, column: 5 });
});

Deno.test("lowerFirst lowers a sentence's first letter but not an acronym", () => {
  equal(lowerFirst("Nested mappings"), "nested mappings");
  equal(lowerFirst("YAML is odd"), "YAML is odd");
});

Deno.test("forEachDocument reports a syntax error before an earlier document's unknown alias", () => {
  // Documents are parsed one at a time, yet the file's first syntax error still wins.
  throws(
    () => parseYamlStream("bad.yaml", "a: *nope\n---\nb: c: d\n"),
    new KoError("bad.yaml:3:4: nested mappings are not allowed in compact mappings"),
  );
});

Deno.test("forEachDocument stops handing out documents after a callback fails", () => {
  const seen: number[] = [];
  throws(
    () =>
      forEachDocument("f.yaml", "a: 1\n---\nb: 2\n---\nc: 3\n", (d) => {
        seen.push(d.start);
        if (seen.length === 2) throw new Error("stop");
      }),
    /stop/,
  );
  equal(seen.length, 2);
  // …but a later syntax error is still the one reported.
  throws(
    () =>
      forEachDocument("f.yaml", "a: 1\n---\nb: c: d\n", () => {
        throw new Error("stop");
      }),
    /f\.yaml:3:4: nested mappings/,
  );
});

import { equal } from "node:assert/strict";
import { applyEdits } from "../../src/resolve/text_edits.ts";

Deno.test("applyEdits splices replacements in order, whatever order they come in", () => {
  const text = "one two three";
  equal(
    applyEdits(text, 0, text.length, [
      { start: 8, end: 13, text: "3" },
      { start: 0, end: 3, text: "1" },
    ]),
    "1 two 3",
  );
});

Deno.test("applyEdits works on a span and ignores edits outside it", () => {
  const text = "aaa|bbb|ccc";
  equal(
    applyEdits(text, 4, 7, [
      { start: 0, end: 3, text: "X" },
      { start: 5, end: 6, text: "Y" },
    ]),
    "bYb",
  );
});

Deno.test("applyEdits drops an edit nested in an enclosing one (a removed item's reference)", () => {
  const text = "keep\nremove ref\nkeep\n";
  equal(
    applyEdits(text, 0, text.length, [
      { start: 12, end: 15, text: "NEW" },
      { start: 5, end: 16, text: "" },
    ]),
    "keep\nkeep\n",
  );
});

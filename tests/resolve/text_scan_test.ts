import { deepEqual, throws } from "node:assert/strict";
import { Occurrences } from "../../src/resolve/text_scan.ts";

Deno.test("Occurrences answers for successive spans, a needle counting only if it fits", () => {
  const text = "aa ko:// bb | cc ko:/ / | ko://";
  const o = new Occurrences(text, "ko://");
  const spans: [number, number][] = [[0, 5], [0, 12], [12, 25], [25, text.length]];
  // The first span cuts the needle short; the third has none; the last ends with one.
  deepEqual(spans.map(([s, e]) => new Occurrences(text, "ko://").within(s, e)), [
    false,
    true,
    false,
    true,
  ]);
  deepEqual([o.within(0, 12), o.within(12, 25), o.within(25, text.length)], [true, false, true]);
});

Deno.test("Occurrences takes a global regular expression and refuses one without g", () => {
  const text = 'a: "\\"x\\""\n---\nb: "\\x6bo://y"\n';
  const escapes = new Occurrences(text, /\\[xuU/\r\n]/g);
  const second = text.indexOf("---");
  deepEqual([escapes.within(0, second), escapes.within(second, text.length)], [false, true]);
  throws(() => new Occurrences(text, /\\x/), /needs the g flag/);
});

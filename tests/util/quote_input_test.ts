import { equal, match } from "node:assert/strict";
import { capMessage, QUOTE_LIMIT, quoteInput } from "../../src/util/quote_input.ts";
import { invalidUtf8Offset, utf8Position } from "../../src/util/utf8.ts";

Deno.test("quoteInput escapes non-printable characters and caps long input", () => {
  equal(quoteInput("plain"), '"plain"');
  equal(
    quoteInput("a\u0007b\u001b[31m\u007f\u0085\u202e"),
    '"a\\u0007b\\u001b[31m\\u007f\\u0085\\u202e"',
  );
  const long = quoteInput("é".repeat(5000));
  equal(long, `"${"é".repeat(QUOTE_LIMIT)}…" (5000 characters)`);
});

Deno.test("capMessage cuts long quotes, escapes controls and caps a line", () => {
  const quoted = JSON.stringify("x".repeat(4096));
  equal(
    capMessage(`bad value ${quoted}: why`),
    `bad value "${"x".repeat(200)}…" (4096 characters): why`,
  );
  // A quote quoteInput already cut is kept as it is.
  const once = `got ${quoteInput("y".repeat(999))}`;
  equal(capMessage(once), once);
  equal(capMessage("bell\u0007 and\ttab\nnext line"), "bell\\u0007 and\ttab\nnext line");
  const line = capMessage(`unquoted ${"z".repeat(5000)}`);
  match(line, /^unquoted z+… \(4009 more characters\)$/);
  equal([...line].length < 1100, true);
});

Deno.test("invalidUtf8Offset finds the first byte that is not UTF-8", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  equal(invalidUtf8Offset(enc("a: é€😀\n")), -1);
  const bytes = new Uint8Array([...enc("a: 1\nbé: "), 0xff, 0x41]);
  equal(invalidUtf8Offset(bytes), 10);
  equal(utf8Position(bytes, 10), "2:5");
  equal(invalidUtf8Offset(new Uint8Array([0xc0, 0x80])), 0, "overlong");
  equal(invalidUtf8Offset(new Uint8Array([0xed, 0xa0, 0x80])), 0, "surrogate");
  equal(invalidUtf8Offset(new Uint8Array([0x61, 0xe2, 0x82])), 1, "cut short");
});

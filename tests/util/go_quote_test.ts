import { deepEqual, equal } from "node:assert/strict";
import { goQuote, goQuotedPrefix, goUnquote, isPrint } from "../../src/util/go_quote.ts";

Deno.test("goUnquote reads interpreted and raw Go string literals", () => {
  equal(goUnquote('"a\\tb\\n\\"c\\"\\\\"'), 'a\tb\n"c"\\');
  equal(goUnquote('"\\x41\\101\\u00e9\\U0001F642\\a\\v"'), "AAé🙂\x07\v");
  equal(goUnquote('`raw \\n "x"\r`'), 'raw \\n "x"');
  equal(goUnquote('""'), "");
});

Deno.test("goUnquote rejects what strconv.Unquote rejects", () => {
  for (
    const bad of [
      "",
      '"',
      '"abc',
      "`a`b`",
      '"a"b"',
      '"\\q"',
      '"\\\'"',
      '"\\400"',
      '"\\x4"',
      '"\\ud800"',
      '"\\U00110000"',
      '"line\nbreak"',
    ]
  ) {
    equal(goUnquote(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("goQuotedPrefix finds the literal at the start of a string", () => {
  equal(goQuotedPrefix('"a\\"b"=rest'), '"a\\"b"');
  equal(goQuotedPrefix("`k`=v"), "`k`");
  equal(goQuotedPrefix('"unterminated'), undefined);
  equal(goQuotedPrefix('"bad\\q"=v'), undefined);
  equal(goQuotedPrefix("plain"), undefined);
});

Deno.test("goQuote writes what strconv.Quote and strconv.QuoteToASCII write", () => {
  // Expected values printed by Go 1.26.
  equal(goQuote("tab\there"), '"tab\\there"');
  equal(goQuote('a"b\\c\x07\x7f\x00\x1b'), '"a\\"b\\\\c\\a\\x7f\\x00\\x1b"');
  equal(goQuote("é\u00a0\u{1F642}\u200b"), '"é\\u00a0\u{1F642}\\u200b"');
  equal(goQuote("é\u00a0\u{1F642}\u200b", true), '"\\u00e9\\u00a0\\U0001f642\\u200b"');
  equal(goQuote(""), '""');
});

Deno.test("isPrint agrees with strconv.IsPrint", () => {
  const runes = [" ", "a", "é", "\u00a0", "\t", "\u200b", "\u{1F642}", "\ufffd"];
  deepEqual(runes.map(isPrint), [true, true, true, false, false, false, true, true]);
});

import { equal } from "node:assert/strict";
import { goQuotedPrefix, goUnquote } from "../../src/util/go_quote.ts";

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

/**
 * Quoting user input in messages: a configuration value, a flag or a file's bytes may be
 * kilobytes of anything, and one error line must stay one readable line. A quote is
 * JSON-style with every non-printable character escaped, and cut at {@link QUOTE_LIMIT}
 * characters with an ellipsis and the full length.
 */

/** How many characters of an input a message quotes. */
export const QUOTE_LIMIT = 200;

/** How long one line of a message may be before the rest is cut. */
const LINE_LIMIT = 1000;

/**
 * Characters a terminal would act on or that hide text: C0 controls but tab and newline, DEL, C1
 * controls, the line and paragraph separators and the bidirectional overrides.
 */
// deno-lint-ignore no-control-regex
const UNPRINTABLE = new RegExp(
  "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]",
  "g",
);

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `s` as a double-quoted string for a message: escaped like JSON, non-printable characters
 * as `\uXXXX`, and at most `limit` characters of it followed by `…" (<n> characters)`.
 *
 * @example
 * ```ts
 * quoteInput("a\u0007b"); // "\"a\\u0007b\""
 * quoteInput("x".repeat(500)); // the first 200 x, then `…" (500 characters)`
 * ```
 */
export function quoteInput(s: string, limit = QUOTE_LIMIT): string {
  const chars = [...s];
  const cut = chars.length > limit;
  const shown = cut ? chars.slice(0, limit).join("") : s;
  const quoted = JSON.stringify(shown).replace(UNPRINTABLE, escapeChar);
  return cut ? `${quoted.slice(0, -1)}…" (${chars.length} characters)` : quoted;
}

/** A double-quoted JSON string inside a message. */
const QUOTED = /"(?:[^"\\\n]|\\.)*"/g;

/**
 * Makes a message safe to print: every double-quoted string longer than {@link QUOTE_LIMIT}
 * is cut like {@link quoteInput} does, non-printable characters (newlines and tabs aside) are
 * escaped, and a line longer than a thousand characters keeps its start and says how much
 * was left out. The net under messages that quote input without {@link quoteInput}.
 */
export function capMessage(message: string): string {
  const capped = message.replace(QUOTED, (q) => {
    if (q.length <= QUOTE_LIMIT + 2) return q;
    let text: string;
    try {
      text = JSON.parse(q) as string;
    } catch {
      return q;
    }
    // One already cut by quoteInput ends in its ellipsis.
    return [...text].length <= QUOTE_LIMIT + 1 ? q : quoteInput(text);
  }).replace(UNPRINTABLE, (ch) => (ch === "\r" ? "\\r" : escapeChar(ch)));
  return capped.split("\n").map((line) => {
    const chars = [...line];
    return chars.length <= LINE_LIMIT
      ? line
      : `${chars.slice(0, LINE_LIMIT).join("")}… (${chars.length - LINE_LIMIT} more characters)`;
  }).join("\n");
}

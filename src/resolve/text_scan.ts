/** Cheap questions about spans of a large text, asked in order of position. */

/**
 * Answers whether a fixed string, or a match of a global regular expression, occurs inside
 * successive spans of one text. Spans must be asked about in increasing order of their
 * start; the text is then searched once overall, however many spans there are.
 */
export class Occurrences {
  #next = -1;
  #length = 0;

  constructor(private readonly text: string, private readonly needle: string | RegExp) {
    if (typeof needle !== "string" && !needle.global) {
      throw new Error("Occurrences: a regular expression needs the g flag");
    }
  }

  /** Whether an occurrence starts in `[start, end)` and fits within it. */
  within(start: number, end: number): boolean {
    if (this.#next < start) {
      const { text, needle } = this;
      if (typeof needle === "string") {
        const at = text.indexOf(needle, start);
        this.#next = at === -1 ? Number.POSITIVE_INFINITY : at;
        this.#length = needle.length;
      } else {
        needle.lastIndex = start;
        const m = needle.exec(text);
        this.#next = m ? m.index : Number.POSITIVE_INFINITY;
        this.#length = m ? m[0].length : 0;
      }
    }
    return this.#next + this.#length <= end;
  }
}

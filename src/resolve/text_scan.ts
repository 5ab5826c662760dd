/** Cheap questions about spans of a large text, asked in order of position. */

/**
 * Answers whether a fixed string occurs inside successive spans of one text. Spans must be
 * asked about in increasing order of their start; the text is then searched once overall,
 * however many spans there are.
 */
export class Occurrences {
  #next = -1;

  constructor(private readonly text: string, private readonly needle: string) {}

  /** Whether `needle` starts in `[start, end)` (and fits within it). */
  within(start: number, end: number): boolean {
    if (this.#next < start) {
      const at = this.text.indexOf(this.needle, start);
      this.#next = at === -1 ? Number.POSITIVE_INFINITY : at;
    }
    return this.#next + this.needle.length <= end;
  }
}

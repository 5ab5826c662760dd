/** Splicing replacements into source text, so that everything not replaced stays byte for byte. */

/** A replacement of `text.slice(start, end)`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Set when the result is not certain to read as intended and should be read back. */
  readonly verify?: boolean;
}

/**
 * Applies non-overlapping edits to `text.slice(from, to)`; edits outside that span are
 * ignored, and an edit inside an earlier (enclosing) one is dropped.
 */
export function applyEdits(
  text: string,
  from: number,
  to: number,
  edits: readonly TextEdit[],
): string {
  const sorted = edits
    .filter((e) => e.start >= from && e.end <= to)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = from;
  for (const e of sorted) {
    if (e.start < at) continue;
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at, to);
}

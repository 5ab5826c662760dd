/** Go's `url.QueryEscape`, for SBOM package URLs and the `urlquery` template function. */

const encoder = new TextEncoder();

/**
 * Go's `url.QueryEscape`: letters, digits and `-_.~` stay, space becomes `+`, every other
 * UTF-8 byte becomes `%XX` (uppercase hex).
 */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of encoder.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

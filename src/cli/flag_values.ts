/**
 * Parsing of flag values the way Go's flag library (pflag) reads them: booleans in every
 * spelling `strconv.ParseBool` accepts, integers, and comma-separated lists with CSV quoting.
 */

const TRUE_SPELLINGS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_SPELLINGS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/**
 * Reads a boolean spelled any way Go's `strconv.ParseBool` accepts; `undefined` if it is none.
 *
 * @example
 * ```ts
 * parseGoBool("False"); // false
 * parseGoBool("yes"); // undefined
 * ```
 */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_SPELLINGS.has(text)) return true;
  if (FALSE_SPELLINGS.has(text)) return false;
  return undefined;
}

/**
 * Reads a decimal integer (optional sign) that fits a safe JavaScript integer; `undefined`
 * otherwise.
 *
 * @example
 * ```ts
 * parseFlagInt("8"); // 8
 * parseFlagInt("8x"); // undefined
 * ```
 */
export function parseFlagInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Splits one flag value into fields like pflag's StringSlice: comma separated, CSV rules, so a
 * field in double quotes may hold commas and `""` stands for one quote. An empty value gives
 * no fields. Throws an Error (plain message) on a malformed quote.
 *
 * @example
 * ```ts
 * splitCsv('a,"b,c",d'); // ["a", "b,c", "d"]
 * ```
 */
export function splitCsv(text: string): string[] {
  if (text === "") return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`extraneous or missing " in quoted field`);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += c;
        i++;
      }
      if (i < text.length && text[i] !== ",") {
        throw new Error(`extraneous or missing " in quoted field`);
      }
    } else {
      const end = text.indexOf(",", i);
      field = end === -1 ? text.slice(i) : text.slice(i, end);
      if (field.includes('"')) throw new Error(`bare " in non-quoted field`);
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
    if (i === text.length) {
      fields.push("");
      return fields;
    }
  }
}

/** Removes repeated entries, keeping the first occurrence of each (ko's tag deduplication). */
export function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

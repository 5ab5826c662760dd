/**
 * Where JSON text stops being valid JSON, as `line:column`: the engine's `JSON.parse`
 * messages give an offset for some mistakes and none for others, and quote the text, which
 * for a credentials file must not be shown.
 */

/** Scans one JSON document; `fail` is the offset of the first mistake. */
class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i]!)) this.i++;
  }

  /** Scans a value; returns false at the first mistake, `i` pointing at it. */
  value(depth = 0): boolean {
    this.ws();
    if (depth > 512) return false;
    const c = this.s[this.i];
    if (c === "{") return this.container("}", depth, true);
    if (c === "[") return this.container("]", depth, false);
    if (c === '"') return this.string();
    for (const lit of ["true", "false", "null"]) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return true;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(
      this.s.slice(this.i, this.i + 400),
    );
    if (!m) return false;
    this.i += m[0].length;
    return true;
  }

  container(close: string, depth: number, keyed: boolean): boolean {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return true;
    }
    for (;;) {
      if (keyed) {
        this.ws();
        if (this.s[this.i] !== '"' || !this.string()) return false;
        this.ws();
        if (this.s[this.i] !== ":") return false;
        this.i++;
      }
      if (!this.value(depth + 1)) return false;
      this.ws();
      const c = this.s[this.i];
      if (c === close) {
        this.i++;
        return true;
      }
      if (c !== ",") return false;
      this.i++;
    }
  }

  string(): boolean {
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = this.s[this.i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) return false;
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return false;
        this.i += 2;
        continue;
      }
      this.i++;
    }
    return false;
  }
}

/** Where a JSON text's first mistake is. */
export interface JsonErrorPosition {
  /** From 1. */
  line: number;
  /** From 1, in characters. */
  column: number;
  /** The text ended before the value did (an object left open). */
  atEnd: boolean;
}

/**
 * The position of the first mistake in `text`, or undefined when it is valid JSON.
 *
 * @example
 * ```ts
 * jsonErrorPosition('{"auths": {\n'); // { line: 2, column: 1, atEnd: true }
 * jsonErrorPosition('{"a": 1}'); // undefined
 * ```
 */
export function jsonErrorPosition(text: string): JsonErrorPosition | undefined {
  const sc = new Scanner(text);
  let ok = sc.value();
  if (ok) {
    sc.ws();
    ok = sc.i === text.length;
  }
  if (ok) return undefined;
  const before = text.slice(0, sc.i);
  const lineStart = before.lastIndexOf("\n") + 1;
  return {
    line: before.split("\n").length,
    column: [...before.slice(lineStart)].length + 1,
    atEnd: sc.i >= text.length,
  };
}

/**
 * Go build info back to text, as Go's `debug.BuildInfo.String()` writes it for
 * `go version -m` (which clears the Go version first, so no `go` line): `path`, `mod`, `dep`
 * and `=>` lines, then `build` lines with keys and values quoted like `strconv.Quote` where
 * they need it.
 */
import type { BuildInfo, GoModule } from "./build_info.ts";

/**
 * The text of `info` as `go version -m` prints it (before indenting), or undefined when a key
 * or value needs quoting and holds non-ASCII text (Go's quoting then depends on its Unicode
 * tables; callers fall back to the go command).
 *
 * @example
 * ```ts
 * formatBuildInfo(parseBuildInfo("path\tx\nbuild\t-ldflags=\"-s -w\"\n"));
 * // "path\tx\nbuild\t-ldflags=\"-s -w\"\n"
 * ```
 */
export function formatBuildInfo(info: BuildInfo): string | undefined {
  let out = "";
  if (info.path !== "") out += `path\t${info.path}\n`;
  const mod = (word: string, m: GoModule): void => {
    out += `${word}\t${m.path}\t${m.version}`;
    if (m.replace === undefined) {
      out += `\t${m.sum}`;
    } else {
      out += "\n";
      mod("=>", m.replace);
    }
    out += "\n";
  };
  const main = info.main;
  if (main.path !== "" || main.version !== "" || main.sum !== "" || main.replace !== undefined) {
    mod("mod", main);
  }
  for (const dep of info.deps) mod("dep", dep);
  for (const { key, value } of info.settings) {
    const k = key === "" || /[= \t\r\n"`]/.test(key) ? goQuoteAscii(key) : key;
    const v = /[ \t\r\n"`]/.test(value) ? goQuoteAscii(value) : value;
    if (k === undefined || v === undefined) return undefined;
    out += `build\t${k}=${v}\n`;
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

/** Go's `strconv.Quote` for ASCII text; undefined for anything else. */
export function goQuoteAscii(s: string): string | undefined {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x80) return undefined;
    const escape = ESCAPES[ch];
    if (escape !== undefined) out += escape;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

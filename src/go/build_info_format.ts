/**
 * Go build info back to text, as Go's `debug.BuildInfo.String()` writes it for
 * `go version -m` (which clears the Go version first, so no `go` line): `path`, `mod`, `dep`
 * and `=>` lines, then `build` lines with keys and values quoted like `strconv.Quote` where
 * they need it.
 */
import { goQuote } from "../util/go_quote.ts";
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

/**
 * Go's `strconv.Quote` for ASCII text; undefined for anything else, whose quoting depends on
 * Go's Unicode tables.
 */
export function goQuoteAscii(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return undefined;
  return goQuote(s);
}

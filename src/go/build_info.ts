/**
 * Go build info: what `go version -m` prints for a built binary (read from the binary where
 * possible, else by running the command), and parsing it the way ko does (drop the first
 * line, strip leading whitespace, then Go's `debug.ParseBuildInfo`). Every SBOM format is made
 * from the {@link BuildInfo} this yields.
 */
import { KoError } from "../util/errors.ts";
import { goQuotedPrefix, goUnquote } from "../util/go_quote.ts";

/** A Go module as build info records it. */
export interface GoModule {
  /** Module path, `example.com/app`. */
  path: string;
  /** Version, `v1.2.3`, `(devel)`, or "" when not recorded. */
  version: string;
  /** go.sum hash, `h1:<base64>`, or "". */
  sum: string;
  /** The module that replaced this one (`=> ./dep (devel)`), if any. */
  replace?: GoModule;
}

/** One `build` line: `-trimpath=true`, `CGO_ENABLED=0`, `GOOS=linux`, `vcs.revision=…`. */
interface BuildSetting {
  key: string;
  value: string;
}

/** The Go build info of a binary. */
export interface BuildInfo {
  /** Toolchain that built the binary, `go1.26.0`; "" when unknown. */
  goVersion: string;
  /** Import path of the main package. */
  path: string;
  /** The main module; all fields "" when the input carried none. */
  main: GoModule;
  /** Dependencies in the order recorded (Go sorts them by path). */
  deps: GoModule[];
  /** Build settings in the order recorded. */
  settings: BuildSetting[];
  /** The `go version -m` text this was parsed from: the `go.version-m` SBOM. */
  text: string;
}

/**
 * Parses `go version -m` output as ko does: the first line (`<file>: go1.x`) gives the Go
 * version and is dropped, leading whitespace is stripped from every other line, and the rest
 * is Go build info ({@link parseBuildInfo}). Input without a newline (seen on Windows) is not
 * an error: it yields empty main module and dependencies.
 */
export function parseGoVersionM(text: string): BuildInfo {
  const lines = scanLines(text);
  const first = lines.shift();
  if (first === undefined) return { ...parseBuildInfo(""), text };
  const sep = first.lastIndexOf(": ");
  const goVersion = sep >= 0 ? first.slice(sep + 2).trim() : "";
  const body = lines.map((l) => trimLeftSpace(l) + "\n").join("");
  const info = parseBuildInfo(body);
  return { ...info, goVersion: info.goVersion || goVersion, text };
}

/**
 * The `go.version-m` SBOM: the `go version -m` text, byte for byte
 * (media type `application/vnd.go.version-m`).
 */
export function goVersionM(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Parses Go build info text (`debug.BuildInfo.String()`, tab-separated `path`, `mod`, `dep`,
 * `=>` and `build` lines) with Go's `debug.ParseBuildInfo` rules; a final line without a
 * newline is ignored, as in Go. Also reads the `go` line Go itself skips. Throws a KoError
 * naming the line for malformed input.
 */
export function parseBuildInfo(data: string): BuildInfo {
  const info: BuildInfo = {
    goVersion: "",
    path: "",
    main: { path: "", version: "", sum: "" },
    deps: [],
    settings: [],
    text: data,
  };
  let last: GoModule | undefined;
  let lineNum = 1;
  const fail = (why: string): never => {
    throw new KoError(`could not parse Go build info: line ${lineNum}: ${why}`);
  };
  let rest = data;
  while (rest.length > 0) {
    const nl = rest.indexOf("\n");
    if (nl < 0) break;
    const line = rest.slice(0, nl);
    rest = rest.slice(nl + 1);
    if (line.startsWith("go\t")) {
      info.goVersion = line.slice(3);
    } else if (line.startsWith("path\t")) {
      info.path = line.slice(5);
    } else if (line.startsWith("mod\t")) {
      info.main = moduleLine(line.slice(4).split("\t"), fail);
      last = info.main;
    } else if (line.startsWith("dep\t")) {
      last = moduleLine(line.slice(4).split("\t"), fail);
      info.deps.push(last);
    } else if (line.startsWith("=>\t")) {
      const elem = line.slice(3).split("\t");
      if (elem.length !== 3) fail(`expected 3 columns for replacement; got ${elem.length}`);
      if (last === undefined) fail("replacement with no module on previous line");
      last!.replace = { path: elem[0]!, version: elem[1]!, sum: elem[2]! };
      last = undefined;
    } else if (line.startsWith("build\t")) {
      info.settings.push(buildLine(line.slice(6), fail));
    }
    lineNum++;
  }
  return info;
}

/**
 * The hex SHA-256 inside a go.sum hash (`h1:<base64>`), or "" when the sum is not an `h1:`
 * hash or its base64 is invalid (as ko does).
 */
export function h1ToSha256Hex(sum: string): string {
  if (!sum.startsWith("h1:")) return "";
  const b64 = sum.slice(3).replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return "";
  const bin = atob(b64);
  let hex = "";
  for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

function moduleLine(elem: string[], fail: (why: string) => never): GoModule {
  if (elem.length !== 2 && elem.length !== 3) {
    fail(`expected 2 or 3 columns; got ${elem.length}`);
  }
  return { path: elem[0]!, version: elem[1]!, sum: elem[2] ?? "" };
}

function buildLine(kv: string, fail: (why: string) => never): BuildSetting {
  if (kv.length < 1) fail("build line missing '='");
  let key: string;
  let rawValue: string;
  const c = kv[0];
  if (c === "=") {
    return fail("build line with missing key");
  } else if (c === "`" || c === '"') {
    const rawKey = goQuotedPrefix(kv);
    if (rawKey === undefined) return fail("invalid quoted key in build line");
    if (kv.length === rawKey.length) fail("build line missing '=' after quoted key");
    const after = kv[rawKey.length];
    if (after !== "=") fail(`unexpected character after quoted key: ${goQuoteChar(after!)}`);
    key = goUnquote(rawKey) ?? "";
    rawValue = kv.slice(rawKey.length + 1);
  } else {
    const eq = kv.indexOf("=");
    if (eq < 0) fail("build line missing '=' after key");
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
    if (key === "" || /[= \t\r\n"`]/.test(key)) {
      fail(`unquoted key ${JSON.stringify(key)} must be quoted`);
    }
  }
  let value = "";
  if (rawValue.length > 0) {
    if (rawValue[0] === "`" || rawValue[0] === '"') {
      const v = goUnquote(rawValue);
      if (v === undefined) fail("invalid quoted value in build line");
      value = v!;
    } else {
      value = rawValue;
      if (/[ \t\r\n"`]/.test(value)) fail(`unquoted value ${JSON.stringify(value)} must be quoted`);
    }
  }
  return { key, value };
}

/** A character as Go's `%q` prints a byte: `':'`, `'\\''`, `'\\x01'`. */
function goQuoteChar(c: string): string {
  if (c === "'" || c === "\\") return `'\\${c}'`;
  const short: Record<string, string> = {
    "\x07": "a",
    "\b": "b",
    "\f": "f",
    "\r": "r",
    "\t": "t",
    "\v": "v",
  };
  if (c in short) return `'\\${short[c]}'`;
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, "0")}'`;
  return `'${c}'`;
}

/** Lines as Go's `bufio.ScanLines` yields them: split at `\n`, a trailing `\r` dropped. */
function scanLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** Unicode white space as Go's `unicode.IsSpace` defines it. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function trimLeftSpace(s: string): string {
  return s.replace(GO_SPACE, "");
}

/**
 * Finding and reading the configuration file the way ko (through viper) does:
 * `KO_CONFIG_PATH` (a file, or a directory holding `.ko.yaml`) when set and non-empty, else the
 * first regular file `.ko.<ext>` in the working directory, trying viper's extensions in
 * viper's order (`json` first, so `.ko.json` beats `.ko.yaml`). No file is not an error.
 */
import { isAbsolute, join, relative, resolve } from "../util/posix_path.ts";
import { KoError } from "../util/errors.ts";
import { invalidUtf8Offset, utf8Position } from "../util/utf8.ts";
import { ConfigSource, loadYaml } from "./config_source.ts";

/** The extensions viper looks for, in its order. */
const CONFIG_EXTENSIONS: readonly string[] = [
  "json",
  "toml",
  "yaml",
  "yml",
  "properties",
  "props",
  "prop",
  "hcl",
  "tfvars",
  "dotenv",
  "env",
  "ini",
];

/** The extensions this implementation can read. */
const READABLE = new Set(["json", "yaml", "yml"]);

/** A located configuration file. */
interface ConfigFileLocation {
  /** Absolute path. */
  path: string;
  /** The name used in messages: relative to the working directory when inside it. */
  display: string;
}

function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

function displayName(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * Locates the configuration file; undefined when there is none. Errors use ko's texts:
 * `error looking for config file: stat <p>: no such file or directory` and
 * `config file <p> is not a regular file`. Synchronous: start-up asks it before anything else
 * runs (whether a build may be started early), and it is a few `stat`s.
 */
export function findConfigFile(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): ConfigFileLocation | undefined {
  const override = env.KO_CONFIG_PATH ?? "";
  if (override !== "") {
    const abs = resolve(cwd, override);
    const st = statOrUndefined(abs);
    if (!st) {
      throw new KoError(
        `error looking for config file: stat ${override}: no such file or directory`,
      );
    }
    if (st.isFile) return { path: abs, display: override };
    if (!st.isDirectory) throw new KoError(`config file ${override} is not a regular file`);
    const inDir = join(override, ".ko.yaml");
    const st2 = statOrUndefined(join(abs, ".ko.yaml"));
    if (!st2) {
      throw new KoError(`error looking for config file: stat ${inDir}: no such file or directory`);
    }
    if (!st2.isFile) throw new KoError(`config file ${inDir} is not a regular file`);
    return { path: join(abs, ".ko.yaml"), display: inDir };
  }
  for (const ext of CONFIG_EXTENSIONS) {
    const path = join(cwd, `.ko.${ext}`);
    const st = statOrUndefined(path);
    if (st && !st.isDirectory) return { path, display: displayName(cwd, path) };
  }
  return undefined;
}

/** Reads and parses a located file; an unreadable type or bad syntax is a KoError. */
export async function readConfigFile(loc: ConfigFileLocation): Promise<ConfigSource> {
  const base = loc.path.slice(loc.path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  const ext = dot >= 0 ? base.slice(dot + 1).toLowerCase() : "";
  if (!READABLE.has(ext)) {
    throw new KoError(
      `error reading config file: unsupported config type ${
        JSON.stringify(ext)
      } (${loc.display}): ` +
        `use YAML (.yaml, .yml) or JSON (.json)`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(loc.path);
  } catch (e) {
    throw new KoError(`error reading config file: ${loc.display}: ${(e as Error).message}`);
  }
  // YAML and JSON are UTF-8: bytes that are not (a binary file, another encoding) would be
  // parsed as replacement characters and quoted back at length.
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    throw new KoError(
      `error reading config file: ${loc.display}:${utf8Position(bytes, bad)}: not UTF-8 text ` +
        `(byte 0x${bytes[bad]!.toString(16).padStart(2, "0")}): YAML and JSON files are UTF-8`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  await loadYaml();
  return new ConfigSource(loc.display, text);
}

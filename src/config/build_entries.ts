/**
 * The `builds[]` section: decoding each entry (keys matched case-insensitively, GoReleaser
 * style) and resolving it to the import path of its package with `go list`, as ko does at
 * load time. `go list` runs once per distinct directory for all entries in it (ko runs it once
 * per entry, a known slowness, #305).
 */
import { dirname, isAbsolute, join, normalize } from "../util/posix_path.ts";
import type { Node } from "../deps/yaml.ts";
import type { GoLister, GoPackage } from "../go/go_lister.ts";
import { KoError } from "../util/errors.ts";
import { warn } from "../util/log.ts";
import { quoteInput } from "../util/quote_input.ts";
import { type ConfigSource, describe } from "./config_source.ts";
import { badEnvEntry, envEntryMessage, listFromNode } from "./config_values.ts";

/** One `builds[]` entry, resolved. */
export interface BuildConfig {
  /** `id` as written, or `#<index>` like ko. */
  id: string;
  /** Directory `go list`/`go build` run in, relative to the working directory (default `.`). */
  dir: string;
  /** Package path relative to `dir` (default `.`); a file means its directory. */
  main: string;
  /** `K=V` entries added to the build environment (not templated). */
  env: string[];
  /** Build flags (templated); a string in the file was split on whitespace. */
  flags: string[];
  /** Linker flags (templated); a string in the file is one entry. */
  ldflags: string[];
  /** File capabilities for the binary on Linux targets. */
  linuxCapabilities: string[];
  /**
   * Which of `env`, `flags` and `ldflags` were written as an explicit empty list
   * (`ldflags: []`): those clear the defaults instead of falling back to them. Better than ko,
   * which reads an empty list as unset, so nothing could clear a default (ko #1568).
   */
  emptyLists?: ReadonlySet<ClearableKey>;
  /** The fully qualified import path of the package, from `go list`. */
  importPath: string;
}

/** The `builds[]` keys whose explicit empty list clears the corresponding default. */
type ClearableKey = "env" | "flags" | "ldflags";

/** A decoded entry before resolution, with the nodes errors point at. */
export interface RawBuild extends Omit<BuildConfig, "importPath"> {
  index: number;
  node?: Node;
  mainNode?: Node;
  dirNode?: Node;
}

const BUILD_KEYS = new Set(["id", "dir", "main", "env", "flags", "ldflags", "linux_capabilities"]);

/**
 * The build key an unknown one was probably meant to be: the same letters but for case, `_`,
 * `-` and a plural `s`: `linuxCapabilities`, `Linux-Capabilities`, `ldflag`.
 */
function nearBuildKey(key: string): string | undefined {
  const norm = (k: string) => k.replace(/[_-]/g, "").replace(/s$/, "");
  return [...BUILD_KEYS].find((k) => norm(k) === norm(key));
}

/** Decodes the `builds` node; type errors and unknown keys point at their place. */
export function decodeBuilds(src: ConfigSource, node: Node): RawBuild[] {
  const items = src.items(node);
  if (!items) {
    throw src.error(
      node,
      `configuration section 'builds' cannot be parsed: expected a list of build configs, got ${
        describe(node)
      }`,
    );
  }
  // An id names one entry (in logs, in template errors); GoReleaser, whose format this is,
  // refuses a repeated one too. ko accepts it.
  const ids = new Map<string, Node>();
  return items.map((item, index) => {
    const raw: RawBuild = {
      index,
      id: "",
      dir: "",
      main: "",
      env: [],
      flags: [],
      ldflags: [],
      linuxCapabilities: [],
      node: item,
    };
    const seen = new Map<string, Node>();
    const emptyLists = new Set<ClearableKey>();
    for (const e of src.entries(item, `'builds' entry #${index}`)) {
      const key = e.key.toLowerCase();
      if (!BUILD_KEYS.has(key)) {
        const near = nearBuildKey(key);
        warn(
          `${src.at(e.keyNode)}: unknown key ${
            JSON.stringify(e.key)
          } in 'builds' entry #${index} is ignored${
            near ? ` (did you mean ${JSON.stringify(near)}?)` : ""
          }`,
        );
        continue;
      }
      const first = seen.get(key);
      if (first) {
        throw src.error(
          e.keyNode,
          `duplicate key ${
            JSON.stringify(e.key)
          } in 'builds' entry #${index} (keys are case-insensitive; first at ${src.at(first)})`,
        );
      }
      seen.set(key, e.keyNode);
      if (e.value === undefined) continue;
      const what = `'builds' entry #${index} '${key}'`;
      switch (key) {
        case "id": {
          raw.id = src.scalar(e.value, what);
          const first = ids.get(raw.id);
          if (first && raw.id !== "") {
            throw src.error(
              e.value,
              `'builds' entry #${index} repeats the id ${quoteInput(raw.id)} (first at ${
                src.at(first)
              }): each build needs its own id`,
            );
          }
          ids.set(raw.id, e.value);
          break;
        }
        case "dir":
          raw.dir = src.scalar(e.value, what);
          raw.dirNode = e.value;
          break;
        case "main":
          raw.main = src.scalar(e.value, what);
          raw.mainNode = e.value;
          break;
        case "env": {
          // A list only: `env: GOARCH=arm64` reads like a setting of the entry, and ko's
          // `[]string` field is no FlagArray or StringArray, which take a string on purpose.
          if (!src.items(e.value)) {
            throw src.error(
              e.value,
              `${what} must be a list of KEY=VALUE entries, got ${describe(e.value)}: ` +
                `write it as a list, such as env: [CGO_ENABLED=1]`,
            );
          }
          raw.env = listFromNode(src, e.value, what, "whole");
          const bad = badEnvEntry(raw.env);
          if (bad >= 0) {
            const itemNode = src.items(e.value)?.[bad] ?? e.value;
            throw src.error(itemNode, envEntryMessage(what, raw.env[bad]!));
          }
          if (raw.env.length === 0) emptyLists.add("env");
          break;
        }
        case "flags":
          raw.flags = listFromNode(src, e.value, what, "fields");
          if (raw.flags.length === 0) emptyLists.add("flags");
          break;
        case "ldflags":
          raw.ldflags = listFromNode(src, e.value, what, "whole");
          if (raw.ldflags.length === 0) emptyLists.add("ldflags");
          break;
        case "linux_capabilities":
          raw.linuxCapabilities = listFromNode(src, e.value, what, "fields");
          break;
      }
    }
    if (emptyLists.size > 0) raw.emptyLists = emptyLists;
    return raw;
  });
}

interface Target {
  raw: RawBuild;
  baseDir: string;
  /** The pattern passed to go list: `./<path>`. */
  localImportPath: string;
  /** The directory the pattern names. */
  dir: string;
}

async function statKind(path: string): Promise<"file" | "dir" | "other" | undefined> {
  try {
    const st = await Deno.stat(path);
    return st.isFile ? "file" : st.isDirectory ? "dir" : "other";
  } catch {
    return undefined;
  }
}

async function real(path: string): Promise<string> {
  try {
    return await Deno.realPath(path); // not node:fs/promises: loading it costs start-up time
  } catch {
    return path;
  }
}

/**
 * Resolves every entry to its package's import path (ko's rules: `main` naming a file means its
 * directory; `<dir>/<path>` must exist; exactly one package). `dir` and `main` are relative to
 * `cwd`, never to the configuration file. Errors point at the entry in `src` when given.
 */
export async function resolveBuilds(
  raws: readonly RawBuild[],
  cwd: string,
  env: Record<string, string>,
  lister: GoLister,
  src?: ConfigSource,
): Promise<BuildConfig[]> {
  const fail = (raw: RawBuild, message: string): never => {
    const node = raw.mainNode ?? raw.dirNode ?? raw.node;
    throw src ? src.error(node, message) : new KoError(message);
  };
  const targets: Target[] = [];
  for (const raw of raws) {
    const dir = raw.dir === "" ? "." : raw.dir;
    const main = raw.main === "" ? "." : raw.main;
    const baseDir = isAbsolute(dir) ? dir : join(cwd, dir);
    let path = main;
    if ((await statKind(join(baseDir, main))) === "file") path = dirname(main);
    if (!(await statKind(join(baseDir, path)))) {
      fail(
        raw,
        `'builds': entry #${raw.index}: stat ${join(dir, path)}: no such file or directory`,
      );
    }
    const clean = normalize(path);
    const localImportPath = clean === "." || clean.startsWith("../") ? clean : `./${clean}`;
    targets.push({ raw, baseDir, localImportPath, dir: join(baseDir, path) });
  }

  // One go list per directory, for all the entries in it.
  const groups = new Map<string, Target[]>();
  for (const t of targets) groups.set(t.baseDir, [...(groups.get(t.baseDir) ?? []), t]);
  const importPaths = new Map<Target, string | undefined>();
  await Promise.all([...groups.values()].map(async (group) => {
    const baseDir = group[0]!.baseDir;
    const patterns = [...new Set(group.map((t) => t.localImportPath))];
    let pkgs: GoPackage[];
    try {
      pkgs = await lister.list(baseDir, patterns, env);
    } catch (e) {
      const t = group[0]!;
      return fail(
        t.raw,
        `'builds': entry #${t.raw.index} does not contain a valid local import path (${t.localImportPath}) for directory (${
          t.raw.dir || "."
        }): ${(e as Error).message}`,
      );
    }
    const byDir = new Map<string, GoPackage>();
    for (const p of pkgs) if (p.Dir) byDir.set(await real(p.Dir), p);
    for (const t of group) {
      const pkg = byDir.get(await real(t.dir)) ??
        pkgs.find((p) => p.ImportPath === t.localImportPath);
      if (!pkg) {
        fail(
          t.raw,
          `'builds': entry #${t.raw.index} results in 0 local packages, only 1 is expected`,
        );
      }
      importPaths.set(t, checked(t, pkg!));
    }
  }));

  function checked(t: Target, pkg: GoPackage): string | undefined {
    const qualified = pkg.ImportPath && !pkg.ImportPath.startsWith(".") &&
      !pkg.ImportPath.startsWith("_/");
    if (qualified) return pkg.ImportPath;
    const why = pkg.Error?.Err ?? `no import path for ${t.localImportPath}`;
    if (/no Go files/.test(why)) {
      const where = src ? `${src.at(t.raw.mainNode ?? t.raw.dirNode ?? t.raw.node)}: ` : "";
      warn(`${where}'builds' entry #${t.raw.index} is ignored: ${why}`);
      return undefined;
    }
    return fail(
      t.raw,
      `'builds': entry #${t.raw.index} does not contain a valid local import path (${t.localImportPath}) for directory (${
        t.raw.dir || "."
      }): ${why}`,
    );
  }

  const out: BuildConfig[] = [];
  const byImportPath = new Map<string, number>();
  for (const t of targets) {
    const importPath = importPaths.get(t);
    if (importPath === undefined) continue;
    const { index: _i, node: _n, mainNode: _m, dirNode: _d, ...fields } = t.raw;
    const prev = byImportPath.get(importPath);
    if (prev !== undefined) {
      warn(
        `'builds' entries #${prev} and #${t.raw.index} both build ${importPath}; #${t.raw.index} is used`,
      );
    }
    byImportPath.set(importPath, t.raw.index);
    out.push({
      ...fields,
      id: fields.id === "" ? `#${t.raw.index}` : fields.id,
      dir: fields.dir === "" ? "." : fields.dir,
      main: fields.main === "" ? "." : fields.main,
      importPath,
    });
  }
  return out;
}

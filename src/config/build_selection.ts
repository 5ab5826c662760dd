/**
 * Which `builds[]` entry (ko's section 2.5) applies to an import path, where its package is
 * listed and built, and the `go build` it gets: the {@link BuildSelector} a run's builder asks.
 */
import { relative, resolve } from "../util/posix_path.ts";
import type { GoLister, GoPackage } from "../go/go_lister.ts";
import { isLocalImport } from "../go/import_path.ts";
import { definedEnv } from "../util/command.ts";
import { KoError, wrapError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";
import { Memo } from "../util/memo.ts";
import { goBuildInvocation, type PlannedGoBuild } from "./build_plan.ts";
import type { BuildConfig, KoConfig } from "./ko_config.ts";

/**
 * Rewrites a local import path relative to a build config's `dir` (`./app/cmd/foo` with dir
 * `app` gives `./cmd/foo`); other paths are returned unchanged. A path outside the directory
 * fails with ko's `import path ("…") must be a subdirectory of build config directory ("…")`.
 */
export function relativePath(baseDir: string, importPath: string, cwd = Deno.cwd()): string {
  if (!isLocalImport(importPath)) return importPath;
  let rel = relative(resolve(cwd, baseDir), resolve(cwd, importPath));
  if (rel === "") rel = ".";
  if (rel.startsWith("..")) {
    throw new KoError(
      `import path (${JSON.stringify(importPath)}) must be a subdirectory of build config ` +
        `directory (${JSON.stringify(baseDir)})`,
    );
  }
  return rel === "." || rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * The build config for an import path (`ko://` allowed), or undefined for the default build:
 * 1. the entry whose resolved import path matches exactly (a later duplicate wins);
 * 2. for a local path (`./app/cmd/foo`), the entries whose `dir` contains it, most specific
 *    directory first, the first in which `go list` qualifies the rewritten path winning. ko
 *    tries the entries in Go's random map order; this order is deterministic.
 */
export async function selectBuildConfig(
  config: KoConfig,
  importPath: string,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  lister: GoLister,
): Promise<BuildConfig | undefined> {
  const ip = withoutKoScheme(importPath);
  const builds = config.builds;
  for (let i = builds.length - 1; i >= 0; i--) {
    if (builds[i]!.importPath === ip) return builds[i];
  }
  if (!isLocalImport(ip)) return undefined;
  const unique = [...new Map(builds.map((b) => [b.importPath, b])).values()];
  const candidates = unique.flatMap((b) => {
    try {
      const dir = resolve(cwd, b.dir);
      return [{ b, rel: relativePath(b.dir, ip, cwd), depth: dir.split("/").length }];
    } catch {
      return [];
    }
  }).sort((x, y) => y.depth - x.depth);
  const childEnv = definedEnv(env);
  for (const c of candidates) {
    try {
      const pkgs = await lister.list(resolve(cwd, c.b.dir), [c.rel], childEnv);
      const p = pkgs[0];
      if (pkgs.length === 1 && p && !p.Error && !p.ImportPath.startsWith(".")) return c.b;
    } catch {
      // Not qualifiable in this build's directory: try the next one.
    }
  }
  return undefined;
}

/** A decided `go build` plus the build config facts the layers need. */
export interface BuildPlan extends PlannedGoBuild {
  /** `linux_capabilities` of the build config. */
  readonly linuxCapabilities: readonly string[];
}

/** What a {@link BuildSelector} decides with, besides the configuration. */
interface BuildSelectorOptions {
  readonly cwd: string;
  /** ko's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's `go list`. */
  readonly lister: GoLister;
  /** `KO_GO_PATH` or `go`. */
  readonly goPath: string;
  /** `--ldflags` values; when non-empty they replace the configured ldflags. */
  readonly cliLdflags: readonly string[];
  /** `--disable-optimizations` or `--debug`. */
  readonly disableOptimizations: boolean;
  /** `SOURCE_DATE_EPOCH` seconds, for the templates' `Date`/`Timestamp`. */
  readonly creationTime?: number;
}

/**
 * Where each package of a run is listed and how it is built. A local path qualified in a
 * build's directory without being that build's package (`./app/cmd/bar` in the `app` build's
 * module) is remembered, so it is built in that directory too, with the defaults, as ko's
 * builder selection does.
 */
export class BuildSelector {
  /** Import path → the build `dir` it was found in. */
  readonly #qualifiedIn = new Map<string, string>();
  /** Import paths whose build config was announced. */
  readonly #announced = new Set<string>();
  /** The templates' `go env` and git answers, once per run. */
  readonly #templateAnswers = new Memo<unknown>();

  constructor(readonly config: KoConfig, private readonly o: BuildSelectorOptions) {}

  /**
   * Where `go list` runs for an import path and how the path reads there: the `builds[]`
   * entry's `dir` (with a local path rewritten relative to it), else the working directory.
   */
  async locate(importPath: string): Promise<{ dir: string; path: string }> {
    const { cwd, env, lister } = this.o;
    const build = await this.#select(importPath);
    if (!build) {
      const ip = withoutKoScheme(importPath);
      if (!isLocalImport(ip) && !this.#qualifiedIn.has(ip)) await this.#findModuleDir(ip);
      const dir = this.#qualifiedIn.get(ip);
      return { dir: dir === undefined ? cwd : resolve(cwd, dir), path: importPath };
    }
    const dir = resolve(cwd, build.dir);
    if (!isLocalImport(importPath)) return { dir, path: importPath };
    const path = relativePath(build.dir, importPath, cwd);
    // The listing #select just made (remembered), for the import path it gave.
    const pkgs = await lister.list(dir, [path], definedEnv(env)).catch(() => []);
    const ip = pkgs.length === 1 ? pkgs[0]!.ImportPath : undefined;
    if (ip && ip !== build.importPath && !ip.startsWith(".")) this.#qualifiedIn.set(ip, build.dir);
    return { dir, path };
  }

  /** The `go build` of an import path for a platform, writing to `output`. */
  async plan(
    a: { importPath: string; platformEnv: Readonly<Record<string, string>>; output: string },
  ): Promise<BuildPlan> {
    const o = this.o;
    const build = await this.#select(a.importPath);
    const ip = withoutKoScheme(a.importPath);
    if (build && build.id !== "" && !this.#announced.has(ip)) {
      this.#announced.add(ip);
      info(`Using build config ${build.id} for ${ip}`);
    }
    const dir = build ? undefined : this.#qualifiedIn.get(ip);
    try {
      const invocation = await goBuildInvocation({
        defaults: this.config,
        ...(build ? { build } : {}),
        ...(dir !== undefined ? { dir } : {}),
        importPath: a.importPath,
        platformEnv: a.platformEnv,
        processEnv: o.env,
        cliLdflags: o.cliLdflags,
        disableOptimizations: o.disableOptimizations,
        ...(o.creationTime !== undefined ? { creationTime: o.creationTime } : {}),
        cwd: o.cwd,
        goPath: o.goPath,
        output: a.output,
        memo: this.#templateAnswers,
      });
      return { ...invocation, linuxCapabilities: build?.linuxCapabilities ?? [] };
    } catch (e) {
      throw wrapError("build", e);
    }
  }

  #select(importPath: string): Promise<BuildConfig | undefined> {
    return selectBuildConfig(this.config, importPath, this.o.cwd, this.o.env, this.o.lister);
  }

  /**
   * A full import path that is no build's package, and not found from the working directory
   * (example.com/app/cmd/bar, in the module of a build with `dir: app`): the first build
   * directory (in file order) whose module has it. ko picks a build in random map order.
   */
  async #findModuleDir(ip: string): Promise<void> {
    const { cwd, lister } = this.o;
    const found = (pkgs: GoPackage[]) => pkgs.length === 1 && !pkgs[0]!.Error;
    // The same listing the builder makes next (remembered).
    if (this.config.builds.length === 0 || found(await lister.list(cwd, [ip]).catch(() => []))) {
      return;
    }
    for (const dir of new Set(this.config.builds.map((b) => b.dir))) {
      if (resolve(cwd, dir) === cwd) continue;
      if (found(await lister.list(resolve(cwd, dir), [ip]).catch(() => []))) {
        this.#qualifiedIn.set(ip, dir);
        return;
      }
    }
  }
}

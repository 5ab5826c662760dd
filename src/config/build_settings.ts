/**
 * What one `go build` needs, decided from the configuration (ko's sections 2.5, 2.6 and 5.1):
 * which `builds[]` entry applies to an import path, and the exact argv, directory and
 * environment, with `flags`/`ldflags` templated and `-toolexec` refused.
 *
 * Error texts are ko's without its `build: ` prefix, which the builder adds (as ko's does).
 */
import { relative, resolve } from "../util/posix_path.ts";
import type { GoBuildInvocation } from "../build/go_build.ts";
import { goList, isLocalImport } from "../build/go_list.ts";
import { definedEnv } from "../util/command.ts";
import { KoError } from "../util/errors.ts";
import { info, warn } from "../util/log.ts";
import type { BuildConfig, KoConfig } from "./ko_config.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

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
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
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
      const pkgs = await goList(resolve(cwd, c.b.dir), [c.rel], childEnv);
      const p = pkgs[0];
      if (pkgs.length === 1 && p && !p.Error && !p.ImportPath.startsWith(".")) return c.b;
    } catch {
      // Not qualifiable in this build's directory: try the next one.
    }
  }
  return undefined;
}

/** Inputs of {@link goBuildInvocation}. */
export interface GoBuildInputs {
  config: KoConfig;
  /** The selected build config (see {@link selectBuildConfig}); undefined for defaults. */
  build?: BuildConfig;
  /** Where go build runs, relative to `cwd`, when not the build's `dir` (default `.`). */
  dir?: string;
  /** The fully qualified import path (`ko://` allowed, stripped). */
  importPath: string;
  /** `GOOS`, `GOARCH` and `GOARM`/`GOAMD64` for the platform (see goEnvForPlatform). */
  platformEnv: Readonly<Record<string, string>>;
  /** ko's own environment. */
  processEnv: Readonly<Record<string, string | undefined>>;
  /** `--ldflags` values; when non-empty they replace the configured ldflags. */
  cliLdflags: readonly string[];
  /** `--disable-optimizations` (or `--debug`): adds `-gcflags all=-N -l`. */
  disableOptimizations: boolean;
  /** Add `-trimpath` (ko's default); false only for debugging builds. */
  trimpath?: boolean;
  /** `SOURCE_DATE_EPOCH` seconds, for the template `Date`/`Timestamp`. */
  creationTime?: number;
  /** The working directory. */
  cwd: string;
  /** `KO_GO_PATH` or `go`. */
  goPath: string;
  /** Where the binary goes (`-o`). */
  output: string;
}

/**
 * The build's list for `key`, or undefined when the default applies (absent, or empty
 * without being written as `[]`).
 */
function ownList(
  build: BuildConfig | undefined,
  key: "env" | "flags" | "ldflags",
): readonly string[] | undefined {
  if (!build) return undefined;
  return build[key].length > 0 || build.emptyLists?.has(key) ? build[key] : undefined;
}

const announced = new Set<string>();

/**
 * Decides one `go build`:
 * - env, last wins: `CGO_ENABLED=0`, the platform variables, the process environment, then the
 *   build's `env` if given else `defaultEnv`; any `GOFLAGS` entry carrying `-toolexec`
 *   fails (`could not create env for <ip>: cannot set … via GOFLAGS environment variable`);
 * - flags: the build's `flags` if given else `defaultFlags`, then `-trimpath`, then
 *   `-gcflags all=-N -l` when optimisations are disabled;
 * - ldflags: `--ldflags` if given, else the build's `ldflags` if given, else
 *   `defaultLdflags`, joined by one space into a single `-ldflags=…` argument ("given":
 *   non-empty, or an explicit empty list, which clears the default — ko cannot, #1568);
 * - flags and ldflags are templates (template_data.ts), each entry on its own; a resulting
 *   argument `-toolexec`, `--toolexec` or `-toolexec=…`/`--toolexec=…` fails (`cannot set …`).
 */
export async function goBuildInvocation(inputs: GoBuildInputs): Promise<GoBuildInvocation> {
  const { config, build } = inputs;
  const ip = withoutKoScheme(inputs.importPath);
  if (build && build.id !== "" && !announced.has(ip)) {
    announced.add(ip);
    info(`Using build config ${build.id} for ${ip}`);
  }

  // Environment.
  const entries: string[] = [
    "CGO_ENABLED=0",
    ...Object.entries(inputs.platformEnv).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(definedEnv(inputs.processEnv)).map(([k, v]) => `${k}=${v}`),
    ...(ownList(build, "env") ?? config.defaultEnv),
  ];
  checkGoflags(entries, ip);
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new KoError(`invalid environment variable entry: ${JSON.stringify(entry)}`);
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  warnPlatformOverride(ip, inputs.platformEnv, env);

  // Flags and ldflags.
  const flags = [...(ownList(build, "flags") ?? config.defaultFlags)];
  if (inputs.trimpath ?? true) flags.push("-trimpath");
  if (inputs.disableOptimizations) flags.push("-gcflags", "all=-N -l");
  const ldflags = inputs.cliLdflags.length
    ? [...inputs.cliLdflags]
    : ownList(build, "ldflags") ?? config.defaultLdflags;

  const dir = resolve(inputs.cwd, inputs.dir ?? build?.dir ?? ".");
  let data: Promise<Record<string, unknown>> | undefined;
  // Where a list came from, to name it when one of its templates fails (Go's message only
  // gives the line and column inside the value).
  const entryName = !build?.id
    ? `the 'builds' entry for ${ip}`
    : /^#\d+$/.test(build.id)
    ? `'builds' entry ${build.id}`
    : `'builds' entry ${JSON.stringify(build.id)}`;
  const flagsSource = build?.flags.length ? `${entryName} 'flags'` : "'defaultFlags'";
  const ldflagsSource = inputs.cliLdflags.length
    ? "--ldflags"
    : build?.ldflags.length
    ? `${entryName} 'ldflags'`
    : "'defaultLdflags'";
  const expand = async (list: readonly string[], source: string): Promise<string[]> => {
    const out: string[] = [];
    for (const entry of list) {
      if (!entry.includes("{{")) {
        out.push(entry);
        continue;
      }
      // The template engine loads only for templates (start-up of every other build).
      const [{ parseTemplate, TemplateError }, { createTemplateData }] = await Promise.all([
        import("../gotemplate/template.ts"),
        import("./template_data.ts"),
      ]);
      const named = (e: unknown) =>
        e instanceof TemplateError
          ? new KoError(`${source} value ${JSON.stringify(entry)}: ${e.message}`, { cause: e })
          : e;
      let template;
      try {
        template = parseTemplate("argsTmpl", entry);
      } catch (e) {
        throw named(e);
      }
      data ??= createTemplateData({
        env,
        dir,
        cwd: inputs.cwd,
        goPath: inputs.goPath,
        processEnv: inputs.processEnv,
        creationTime: inputs.creationTime,
      });
      const values = await data;
      try {
        out.push(template.execute(values));
      } catch (e) {
        throw named(e);
      }
    }
    return out;
  };
  const args = withoutEmptyArgs(await expand(flags, flagsSource));
  if (ldflags.length) {
    args.push(`-ldflags=${(await expand(ldflags, ldflagsSource)).join(" ")}`);
  }
  checkToolexecArgs(args);

  return {
    goPath: inputs.goPath,
    dir,
    args: ["build", ...args, "-o", inputs.output, ip],
    env,
  };
}

const overrideWarned = new Set<string>();

/**
 * The environment wins over the platform's `GOOS`/`GOARCH`, as in ko, so `GOARCH=arm64` alone
 * (ko uses the variables for the platform only when both are set) or a `builds[].env` GOARCH
 * makes an arm64 binary in an image that says linux/amd64, which then fails to start. Kept,
 * but said, once per import path and platform.
 */
function warnPlatformOverride(
  ip: string,
  platformEnv: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>>,
): void {
  const os = platformEnv.GOOS, arch = platformEnv.GOARCH;
  if (os === undefined || arch === undefined) return;
  if (env.GOOS === os && env.GOARCH === arch) return;
  const key = `${ip} ${os}/${arch}`;
  if (overrideWarned.has(key)) return;
  overrideWarned.add(key);
  const set = ["GOOS", "GOARCH"].filter((k) => env[k] !== platformEnv[k])
    .map((k) => `${k}=${env[k] ?? ""}`).join(" ");
  warn(
    `building ${ip} for ${os}/${arch}, but ${set} from the environment or the build's env makes ` +
      `go build produce a ${env.GOOS ?? ""}/${env.GOARCH ?? ""} binary, which will not match the ` +
      `image's platform: set both GOOS and GOARCH (only then do they choose the platform), or ` +
      `unset them and use --platform`,
  );
}

/** go build flags that take their value as the next argument (`-tags ""` is a valid pair). */
const VALUE_FLAGS = new Set([
  "C",
  "asmflags",
  "buildmode",
  "compiler",
  "covermode",
  "coverpkg",
  "gccgoflags",
  "gcflags",
  "installsuffix",
  "ldflags",
  "mod",
  "modfile",
  "o",
  "overlay",
  "p",
  "pgo",
  "pkgdir",
  "tags",
]);

/**
 * Drops the empty arguments a conditional template leaves (`{{ if .Git.IsDirty }}-tags=dirty
 * {{ end }}` on a clean tree): go build would take "" as a package and fail with
 * `no Go files in <dir>` and `malformed import path "-trimpath"` (ko passes it on). An empty
 * value after a flag that takes one (`-tags`, "") is kept.
 */
function withoutEmptyArgs(args: readonly string[]): string[] {
  return args.filter((a, i) => {
    if (a !== "") return true;
    const flag = /^--?([A-Za-z]+)$/.exec(args[i - 1] ?? "");
    return flag !== null && VALUE_FLAGS.has(flag[1]!);
  });
}

function isToolexec(arg: string): boolean {
  return ["-", "--"].some((d) => arg === `${d}toolexec` || arg.startsWith(`${d}toolexec=`));
}

/** Refuses build arguments that set `-toolexec` (ko: `cannot set <arg>`). */
export function checkToolexecArgs(args: readonly string[]): void {
  for (const a of args) if (isToolexec(a)) throw new KoError(`cannot set ${a}`);
}

/**
 * Refuses `GOFLAGS` entries (any of them, overridden or not, as ko checks) with a `-toolexec`
 * token; substrings such as `-foo=-toolexec` are fine.
 */
export function checkGoflags(entries: readonly string[], importPath: string): void {
  for (const e of entries) {
    if (!e.startsWith("GOFLAGS=")) continue;
    for (const tok of e.slice("GOFLAGS=".length).split(/\s+/)) {
      if (tok !== "" && isToolexec(tok)) {
        throw new KoError(
          `could not create env for ${importPath}: cannot set ${tok} via GOFLAGS environment variable`,
        );
      }
    }
  }
}

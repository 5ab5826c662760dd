/**
 * The one planner of a `go build` (ko's sections 2.6 and 5.1): from the defaults, the selected
 * `builds[]` entry and the flags, the exact argv, directory and environment, with
 * `flags`/`ldflags` templated and `-toolexec` refused. The real build and the build started
 * early at start-up (without a configuration file) both come from here, so they cannot drift.
 *
 * Error texts are ko's without its `build: ` prefix, which the builder adds (as ko's does).
 */
import { resolve } from "../util/posix_path.ts";
import type { GoBuildInvocation } from "../go/go_build.ts";
import { definedEnv } from "../util/command.ts";
import { KoError } from "../util/errors.ts";
import { Memo } from "../util/memo.ts";
import type { BuildConfig, KoConfig } from "./ko_config.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";
import { checkPlatformEnv } from "./platform_env.ts";

/** The configuration's defaults a build falls back to. */
type BuildDefaults = Pick<KoConfig, "defaultEnv" | "defaultFlags" | "defaultLdflags">;

/** The defaults without a configuration file or `KO_DEFAULT*` variables. */
export const NO_DEFAULTS: BuildDefaults = { defaultEnv: [], defaultFlags: [], defaultLdflags: [] };

/** A decided `go build`, with the inputs that shaped it (what provenance records). */
export interface PlannedGoBuild extends GoBuildInvocation {
  /** The flags, templates expanded, without `-ldflags`, `-o` and the package. */
  readonly flags: readonly string[];
  /** The linker flags, templates expanded, in order (joined into one `-ldflags=` argument). */
  readonly ldflags: readonly string[];
  /**
   * Names of the variables ko sets rather than inherits: `CGO_ENABLED`, the platform's, the
   * build's `env` (or `defaultEnv`); sorted.
   */
  readonly envKeys: readonly string[];
}

/** Inputs of {@link goBuildInvocation}. */
export interface GoBuildInputs {
  defaults: BuildDefaults;
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
  /** Answers of `go env` and git for templates, kept across a run's plans (fresh if absent). */
  memo?: Memo<unknown>;
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
export async function goBuildInvocation(inputs: GoBuildInputs): Promise<PlannedGoBuild> {
  const { defaults, build } = inputs;
  const ip = withoutKoScheme(inputs.importPath);

  // Environment.
  const configuredEnv = ownList(build, "env") ?? defaults.defaultEnv;
  const entries: string[] = [
    "CGO_ENABLED=0",
    ...Object.entries(inputs.platformEnv).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(definedEnv(inputs.processEnv)).map(([k, v]) => `${k}=${v}`),
    ...configuredEnv,
  ];
  checkGoflags(entries, ip);
  const env = envVars(entries);
  // Where a list came from, to name it when it is wrong (a template's error from Go only
  // gives the line and column inside the value).
  const entryName = !build?.id
    ? `the 'builds' entry for ${ip}`
    : /^#\d+$/.test(build.id)
    ? `'builds' entry ${build.id}`
    : `'builds' entry ${JSON.stringify(build.id)}`;
  checkPlatformEnv(inputs.platformEnv, [
    { name: "the environment", vars: definedEnv(inputs.processEnv), isProcess: true },
    {
      name: ownList(build, "env")
        ? `${entryName} 'env'`
        : inputs.processEnv.KO_DEFAULTENV
        ? "KO_DEFAULTENV"
        : "'defaultEnv'",
      vars: envVars(configuredEnv),
    },
  ]);

  // Flags and ldflags.
  const flags = [...(ownList(build, "flags") ?? defaults.defaultFlags)];
  if (inputs.trimpath ?? true) flags.push("-trimpath");
  if (inputs.disableOptimizations) flags.push("-gcflags", "all=-N -l");
  const ldflags = inputs.cliLdflags.length
    ? [...inputs.cliLdflags]
    : ownList(build, "ldflags") ?? defaults.defaultLdflags;

  const dir = resolve(inputs.cwd, inputs.dir ?? build?.dir ?? ".");
  let data: Promise<Record<string, unknown>> | undefined;
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
        memo: inputs.memo ?? new Memo(),
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
  const expandedFlags = withoutEmptyArgs(await expand(flags, flagsSource));
  const expandedLdflags = ldflags.length ? await expand(ldflags, ldflagsSource) : [];
  const args = [...expandedFlags];
  if (ldflags.length) args.push(`-ldflags=${expandedLdflags.join(" ")}`);
  checkToolexecArgs(args);
  const setKeys = [
    "CGO_ENABLED",
    ...Object.keys(inputs.platformEnv),
    ...configuredEnv.map((e) => e.slice(0, e.indexOf("="))),
  ];

  return {
    goPath: inputs.goPath,
    dir,
    args: ["build", ...args, "-o", inputs.output, ip],
    env,
    flags: expandedFlags,
    ldflags: expandedLdflags,
    envKeys: [...new Set(setKeys)].sort(),
  };
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

/** `KEY=VALUE` entries as variables (a later entry wins), refusing one without `=`. */
function envVars(entries: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new KoError(`invalid environment variable entry: ${JSON.stringify(entry)}`);
    vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return vars;
}

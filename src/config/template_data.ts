/**
 * The data ko's `flags`/`ldflags` templates see for one `go build`:
 *
 * - `Env`: the final build environment (`LDFLAGS` pre-seeded with `""`, so `{{.Env.LDFLAGS}}`
 *   always works);
 * - `GoEnv`: `<go> env` (run in the working directory with the process environment; one pair
 *   of surrounding quotes removed), with every key also in `Env` taking the `Env` value;
 * - `Git`: see git_info.ts;
 * - `Date`: the creation time (`SOURCE_DATE_EPOCH`) or now, RFC 3339 **in UTC** (ko uses the
 *   local zone, so its output depends on `TZ`; ours does not);
 * - `Timestamp`: the same instant in Unix seconds.
 *
 * `go env` and git run once per run (go binary, directory, environment), whatever the number of
 * platforms: ko runs them for every one.
 */
import { KoError } from "../util/errors.ts";
import { goNotFoundHint } from "../go/go_command.ts";
import { runProgram } from "../util/command.ts";
import type { Memo } from "../util/memo.ts";
import { formatRfc3339Utc } from "./epoch_env.ts";
import { gitInfo } from "./git_info.ts";
import { stringMap } from "../gotemplate/template.ts";

/** Inputs of {@link createTemplateData}. */
interface TemplateDataInput {
  /** The final build environment (as passed to `go build`). */
  env: Readonly<Record<string, string>>;
  /** The build directory: where git runs. */
  dir: string;
  /** The working directory: where `go env` runs. */
  cwd: string;
  /** `KO_GO_PATH` or `go`. */
  goPath: string;
  /** ko's own environment: `go env` and git run with it. */
  processEnv: Readonly<Record<string, string | undefined>>;
  /** `SOURCE_DATE_EPOCH` seconds; now when undefined. */
  creationTime?: number;
  /** The run's answers of `go env` and git. */
  memo: Memo<unknown>;
}

/** The output of `<goPath> env`, parsed, once per goPath, cwd and env for `memo` (a run's). */
export async function goEnv(
  goPath: string,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  memo: Memo<unknown>,
): Promise<Record<string, string>> {
  const key = JSON.stringify(["go env", goPath, cwd, Object.entries(env).sort()]);
  const answer = await memo.get(key, () => runGoEnv(goPath, cwd, env));
  return { ...answer as Record<string, string> };
}

async function runGoEnv(
  goPath: string,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  const r = await runProgram(goPath, ["env"], { cwd, env });
  if (r.notFound) {
    throw new KoError(`go env: cannot run "${goPath}": not found (${goNotFoundHint(goPath)})`);
  }
  if (r.code !== 0) {
    throw new KoError(`go env: exit status ${r.code}: ${r.stderr.trim()}`);
  }
  return parseGoEnv(r.stdout);
}

/** Parses `go env` output: `K=V` lines, one pair of surrounding `'` or `"` removed. */
export function parseGoEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((line, i) => {
    const eq = line.indexOf("=");
    if (eq < 0) throw new KoError(`go env: failed parsing line: ${i + 1}`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (
      value.length > 1 &&
      ((value[0] === "'" && value.at(-1) === "'") || (value[0] === '"' && value.at(-1) === '"'))
    ) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  });
  return out;
}

/** The template data for one build. */
export async function createTemplateData(
  input: TemplateDataInput,
): Promise<Record<string, unknown>> {
  const env: Record<string, string> = { LDFLAGS: "", ...input.env };
  const [goenv, git] = await Promise.all([
    goEnv(input.goPath, input.cwd, input.processEnv, input.memo),
    gitInfo(input.dir, input.processEnv, input.memo),
  ]);
  for (const k of Object.keys(env)) if (Object.hasOwn(goenv, k)) goenv[k] = env[k]!;
  const seconds = input.creationTime ?? Math.floor(Date.now() / 1000);
  return {
    Env: stringMap(env),
    GoEnv: stringMap(goenv),
    Git: { ...git },
    Date: formatRfc3339Utc(seconds),
    Timestamp: BigInt(seconds),
  };
}

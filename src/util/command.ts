/**
 * Running helper programs (`git`, `go env`, `kubectl`, the container CLI kind's nodes live in)
 * with exactly a given environment: finding them on its `PATH` and passing it whole.
 */
import { errorMessage } from "./errors.ts";

/** An environment as the verbs carry it; unset variables may be present as undefined. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The variables of `env` that are set, as `Deno.Command` takes them. */
export function definedEnv(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** What a finished command produced. */
interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The program could not be started: it does not exist (code is then 127). */
  notFound?: boolean;
}

/** The absolute path of an executable found on the `PATH` of `env`, or undefined. */
export function lookPath(name: string, env: Env): string | undefined {
  if (name.includes("/")) return name;
  for (const dir of (env.PATH ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    try {
      const st = Deno.statSync(path);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a program to completion with exactly `env`; a missing program gives code 127. */
export async function runProgram(
  program: string,
  args: readonly string[],
  opts: { cwd: string; env: Env },
): Promise<CommandResult> {
  try {
    const out = await new Deno.Command(program, {
      args: [...args],
      cwd: opts.cwd,
      env: definedEnv(opts.env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${program}: ${errorMessage(e)}`, notFound: true };
    }
    throw e;
  }
}

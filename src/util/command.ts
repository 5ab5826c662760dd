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
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The program could not be started: it does not exist (code is then 127). */
  notFound?: boolean;
}

/**
 * What to say when the go command cannot be started: `go` is looked up on PATH, anything else
 * came from `KO_GO_PATH`.
 */
export function goNotFoundHint(goPath: string): string {
  return goPath === "go" ? "is Go installed and on PATH?" : "check KO_GO_PATH";
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
export async function runCommand(
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

/**
 * Runs the go command to completion like `Deno.Command#output` (its `signal` stops it), in a
 * `GOTMPDIR` of its own that is removed afterwards. go removes its `go-build*` work directory
 * only when it finishes: stopped by any signal (a sibling platform's build failed, Ctrl-C, a
 * start-up build that was not the one needed), it leaves that directory, sometimes hundreds of
 * megabytes, in the temp dir for good. The directory is made in the caller's `GOTMPDIR`, else
 * its `TMPDIR` (absolute ones), else the system's; if that cannot be done, go runs as it is.
 */
export async function goCommandOutput(
  goPath: string,
  options: { args: readonly string[]; cwd: string; env: Readonly<Record<string, string>> },
  signal?: AbortSignal,
): Promise<Deno.CommandOutput> {
  const parent = [options.env.GOTMPDIR, options.env.TMPDIR].find((d) => d?.startsWith("/"));
  const workParent = await Deno.makeTempDir({
    prefix: "ko-go-",
    ...(parent ? { dir: parent } : {}),
  }).catch(() => undefined);
  try {
    return await new Deno.Command(goPath, {
      args: [...options.args],
      cwd: options.cwd,
      env: workParent ? { ...options.env, GOTMPDIR: workParent } : { ...options.env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
      ...(signal ? { signal } : {}),
    }).output();
  } finally {
    if (workParent) await removeTree(workParent);
  }
}

/** Removes a directory tree; compilers of a killed go build may still be writing into it. */
async function removeTree(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await Deno.remove(dir, { recursive: true });
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

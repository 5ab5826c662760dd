/** One decided `go build`: what runs where, and how its failure reads. */
import { KoError } from "../util/errors.ts";
import { goNotFoundHint } from "./go_command.ts";

/** A fully decided `go build` invocation (see src/config/build_plan.ts). */
export interface GoBuildInvocation {
  /** The go binary (`KO_GO_PATH` or `go`). */
  readonly goPath: string;
  /** Working directory (the build config's `dir`). */
  readonly dir: string;
  /** Arguments after the go binary: `build … -o <out> <importpath>`. */
  readonly args: readonly string[];
  /** The complete environment of the child process. */
  readonly env: Readonly<Record<string, string>>;
}

/** The `-o` path of an invocation, or undefined. */
export function buildOutput(inv: GoBuildInvocation): string | undefined {
  const o = inv.args.indexOf("-o");
  return o < 0 ? undefined : inv.args[o + 1];
}

/** Whether two invocations run exactly the same command (go, directory, arguments, environment). */
export function sameInvocation(a: GoBuildInvocation, b: GoBuildInvocation): boolean {
  if (a.goPath !== b.goPath || a.dir !== b.dir) return false;
  if (a.args.length !== b.args.length || a.args.some((x, i) => x !== b.args[i])) return false;
  const ak = Object.keys(a.env);
  return ak.length === Object.keys(b.env).length && ak.every((k) => a.env[k] === b.env[k]);
}

/**
 * The outcome of a go build as ko reports it: nothing when it succeeded, else
 * `build: go build: exit status N: <output>` (or that the go command was not found).
 */
export function checkGoBuild(
  inv: GoBuildInvocation,
  outcome: Deno.CommandOutput | Error,
  signal?: AbortSignal,
): void {
  if (outcome instanceof Deno.errors.NotFound) {
    throw new KoError(
      `build: cannot run "${inv.goPath}": not found (${goNotFoundHint(inv.goPath)})`,
    );
  }
  if (outcome instanceof Error) throw outcome;
  if (outcome.success) return;
  signal?.throwIfAborted();
  const output = new TextDecoder().decode(outcome.stdout) +
    new TextDecoder().decode(outcome.stderr);
  throw new KoError(`build: go build: exit status ${outcome.code}: ${output.trimEnd()}`);
}

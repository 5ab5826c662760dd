/**
 * Runs the CLI in-process with captured stdout/stderr, a fixed environment and recording
 * handlers, so tests see exactly which options each verb would receive.
 */
import { memoryWriter } from "../../src/util/writer.ts";
import { stdinFrom } from "../helpers/stdin.ts";
import type { Handlers } from "../../src/cli/handlers.ts";
import { runCli } from "../../src/cli/main.ts";

/** One call a verb made to its handler. */
export interface Call {
  verb: keyof Handlers;
  args: string[];
  // deno-lint-ignore no-explicit-any
  options: any;
}

/** The outcome of one in-process run. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  calls: Call[];
}

/** Options for {@link ko}. */
export interface KoRunOptions {
  env?: Record<string, string>;
  stdin?: string;
  handlers?: Partial<Handlers>;
  signal?: AbortSignal;
  /** Let runCli listen for a real SIGINT instead of passing a signal. */
  realSignal?: boolean;
}

const VERBS = [
  "build",
  "resolve",
  "apply",
  "create",
  "delete",
  "run",
  "login",
  "deps",
] as const;

/** Runs `ko <args>` in-process; handlers not given record their call and succeed. */
export async function ko(args: string[], options: KoRunOptions = {}): Promise<Run> {
  const stdout = memoryWriter();
  const stderr = memoryWriter();
  const calls: Call[] = [];
  const recording: Partial<Handlers> = {};
  for (const verb of VERBS) {
    recording[verb] = (_ctx, callArgs, callOptions) => {
      calls.push({ verb, args: callArgs, options: callOptions });
      return Promise.resolve();
    };
  }
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: stdinFrom(options.stdin ?? ""),
    env: options.env ?? {},
    cwd: "/nonexistent-cwd",
    ...(options.realSignal ? {} : { signal: options.signal ?? new AbortController().signal }),
    handlers: { ...recording, ...options.handlers },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text(), calls };
}

/** Runs `ko <args>` expecting exactly one handler call, and returns it. */
export async function call(args: string[], options: KoRunOptions = {}): Promise<Call & Run> {
  const run = await ko(args, options);
  if (run.code !== 0 || run.calls.length !== 1) {
    throw new Error(
      `ko ${args.join(" ")}: code ${run.code}, ${run.calls.length} calls, stderr: ${run.stderr}`,
    );
  }
  return { ...run, ...run.calls[0]! };
}

/** Runs `ko <args>` expecting a failure; returns the run. */
export async function failure(args: string[], options: KoRunOptions = {}): Promise<Run> {
  const run = await ko(args, options);
  if (run.code === 0) throw new Error(`ko ${args.join(" ")} succeeded; expected a failure`);
  return run;
}

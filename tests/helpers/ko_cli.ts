/**
 * Runs ko in-process, as a user would from a shell: arguments, a working directory and an
 * environment, capturing stdout and stderr. (tests/cli/main_process_test.ts covers the real
 * `deno run main.ts` entry; everything else can skip the process start.)
 */
import { equal } from "node:assert/strict";
import { memoryWriter } from "../../src/util/writer.ts";
import { stdinFrom } from "./stdin.ts";
import { runCli } from "../../src/cli/main.ts";

/** What a ko run produced. */
export interface KoRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link ko}. */
export interface KoRunOptions {
  cwd: string;
  /** The environment (replaces the process environment; PATH and HOME are kept from it). */
  env?: Record<string, string>;
  stdin?: string;
  /** Called with all of stderr so far after each write (to wait for a message mid-run). */
  onStderr?: (text: string) => void;
}

/** The environment a test ko run starts from: PATH, HOME and Go's caches, nothing else. */
export function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOPROXY", "TMPDIR"];
  const env: Record<string, string> = {};
  for (const k of keep) {
    const v = Deno.env.get(k);
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/** Runs `ko <args>` in-process. */
export async function ko(args: string[], opts: KoRunOptions): Promise<KoRun> {
  const stdout = memoryWriter();
  const stderr = memoryWriter();
  const onStderr = opts.onStderr;
  const code = await runCli(args, {
    cwd: opts.cwd,
    env: { ...baseEnv(), ...opts.env },
    stdout,
    stderr: onStderr
      ? {
        write: async (chunk) => {
          await stderr.write(chunk);
          onStderr(stderr.text());
        },
      }
      : stderr,
    stdin: stdinFrom(opts.stdin ?? ""),
    signal: new AbortController().signal,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Runs ko and throws with its stderr unless it exits 0; returns stdout lines. */
export async function koOk(args: string[], opts: KoRunOptions): Promise<string[]> {
  const r = await ko(args, opts);
  if (r.code !== 0) {
    throw new Error(`ko ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  }
  return r.stdout.split("\n").filter((l) => l !== "");
}

/** The one `Error: ` line of a failed run's stderr (asserting there is exactly one). */
export function errorLine(r: KoRun): string {
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("Error: "));
  equal(lines.length, 1, `expected one Error line in:\n${r.stderr}`);
  return lines[0]!;
}

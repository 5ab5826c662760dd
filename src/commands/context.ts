/**
 * What every verb handler gets besides its arguments: where to write, the environment, the
 * working directory and a cancellation signal. Tests build one with injected buffers.
 */
import { fileWriter, type Writer } from "../util/writer.ts";

/** The world a verb runs in. Handlers take everything from here, never from globals. */
export interface VerbContext {
  /** Results only: image references, resolved YAML, the version. */
  readonly stdout: Writer;
  /** Diagnostics; while a verb runs, src/util/log.ts lines go here too. */
  readonly stderr: Writer;
  /** Standard input (`-f -`, `--password-stdin`); opened lazily on first access. */
  readonly stdin: ReadableStream<Uint8Array>;
  /** A snapshot of the environment variables. */
  readonly env: Readonly<Record<string, string>>;
  /** The working directory relative paths are taken from. */
  readonly cwd: string;
  /** Fires when the user presses Ctrl-C (SIGINT); the process then exits with code 130. */
  readonly signal: AbortSignal;
  /**
   * Which of stdin, stdout and stderr are the process's own, so that a child (kubectl) can be
   * given them directly, a terminal staying a terminal (`ko run … -- -it`). Absent: none.
   */
  readonly inheritable?: {
    readonly stdin: boolean;
    readonly stdout: boolean;
    readonly stderr: boolean;
  };
}

/** A handler: the real work of a verb, given validated options. */
export type VerbHandler<Options, Args = string[]> = (
  ctx: VerbContext,
  args: Args,
  options: Options,
) => Promise<void>;

/** The parts of a VerbContext a caller may replace; everything else comes from the process. */
export type ContextOverrides = Partial<VerbContext>;

/**
 * A VerbContext over the real process (Deno.stdout/stderr/stdin, Deno.env, Deno.cwd()), with
 * any overrides applied. `signal` defaults to one that never fires; runCli supplies the SIGINT
 * one.
 */
export function processContext(overrides: ContextOverrides = {}): VerbContext {
  let stdin = overrides.stdin;
  return {
    stdout: overrides.stdout ?? fileWriter(Deno.stdout),
    stderr: overrides.stderr ?? fileWriter(Deno.stderr),
    get stdin() {
      stdin ??= Deno.stdin.readable;
      return stdin;
    },
    env: overrides.env ?? Deno.env.toObject(),
    cwd: overrides.cwd ?? Deno.cwd(),
    signal: overrides.signal ?? new AbortController().signal,
    inheritable: overrides.inheritable ?? {
      stdin: overrides.stdin === undefined,
      stdout: overrides.stdout === undefined,
      stderr: overrides.stderr === undefined,
    },
  };
}

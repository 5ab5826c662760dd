/**
 * The CLI entry: parses argv, runs a verb, and turns any failure into one `Error: …` line on
 * stderr and an exit code (1 by default, 130 after Ctrl-C, 143 after SIGTERM, 141 without a
 * word when the reader of stdout went away).
 */
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import { isVerbose, redact, setLogSink, setVerbose } from "../util/log.ts";
import { capMessage } from "../util/quote_input.ts";
import { BROKEN_PIPE_EXIT_CODE, isOutputClosed, type Writer } from "../util/writer.ts";
import { type ContextOverrides, processContext } from "../commands/context.ts";
import { defaultHandlers, type Handlers } from "./handlers.ts";
import { createProgram } from "./program.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The signals that stop a run, the abort reason's message and the exit code (128 + signal
 * number, as a shell reports a process the signal ended). SIGTERM (`kill`, `docker stop`, CI
 * cancelling a job) is handled as Ctrl-C: the run stops and removes what it was writing.
 */
const STOP_SIGNALS = [
  { signal: "SIGINT", message: "interrupted", exitCode: 130 },
  { signal: "SIGTERM", message: "terminated", exitCode: 143 },
] as const;

/** The exit code of a run stopped without one of {@link STOP_SIGNALS} (a Ctrl-C in a prompt). */
const INTERRUPTED_EXIT_CODE = 130;

/** What a caller (tests, embedders) may replace when running the CLI. */
interface CliOptions extends ContextOverrides {
  /** Verb implementations to use instead of the defaults. */
  handlers?: Partial<Handlers>;
}

interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Aborts a signal on the first SIGINT or SIGTERM (with the reason {@link STOP_SIGNALS} gives);
 * a second one exits at once.
 */
function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  const removers: Array<() => void> = [];
  for (const stop of STOP_SIGNALS) {
    const onSignal = () => {
      if (controller.signal.aborted) Deno.exit(stop.exitCode);
      controller.abort(new DOMException(stop.message, "AbortError"));
    };
    try {
      Deno.addSignalListener(stop.signal, onSignal);
      removers.push(() => Deno.removeSignalListener(stop.signal, onSignal));
    } catch {
      // not a signal this platform delivers (Windows has no SIGTERM)
    }
  }
  return { signal: controller.signal, dispose: () => removers.forEach((r) => r()) };
}

/**
 * Runs ko with `args` (without the program name) and resolves to the process exit code.
 * Without options it uses the real process: stdio, environment, working directory, SIGINT.
 *
 * @example
 * ```ts
 * Deno.exit(await runCli(Deno.args));
 * ```
 */
export async function runCli(args: string[], options: CliOptions = {}): Promise<number> {
  const { handlers, ...overrides } = options;
  const interrupt = overrides.signal ? undefined : listenForInterrupt();
  const ctx = processContext({ ...overrides, signal: overrides.signal ?? interrupt!.signal });
  const restoreLog = overrides.stderr
    ? setLogSink((line) => void ctx.stderr.write(`${line}\n`))
    : undefined;
  const wasVerbose = isVerbose();
  try {
    const chosen = Object.fromEntries(
      Object.entries(handlers ?? {}).filter(([, handler]) => handler !== undefined),
    );
    const program = createProgram(ctx, { ...defaultHandlers, ...chosen });
    await program.execute(args);
    if (ctx.signal.aborted) return await reportError(ctx.signal.reason, ctx.stderr, ctx.signal);
    return 0;
  } catch (err) {
    return await reportError(err, ctx.stderr, ctx.signal);
  } finally {
    interrupt?.dispose();
    restoreLog?.();
    setVerbose(wasVerbose);
  }
}

/**
 * Prints an error the way users see it (`Error: <message>`, plus a usage hint for command-line
 * mistakes and the stack with `-v` for unexpected errors) and returns the exit code.
 */
async function reportError(
  err: unknown,
  stderr: Writer,
  signal?: AbortSignal,
): Promise<number> {
  if (signal?.aborted || isAbortError(err)) {
    const reason = signal?.aborted ? signal.reason : err;
    const stop = STOP_SIGNALS.find((s) => reason instanceof Error && reason.message === s.message);
    await stderr.write(`Error: ${stop?.message ?? "interrupted"}\n`);
    return stop?.exitCode ?? INTERRUPTED_EXIT_CODE;
  }
  if (isOutputClosed(err)) return BROKEN_PIPE_EXIT_CODE; // the reader has what it wanted
  // The message may quote input of any size or bytes: capped and escaped (quote_input.ts).
  const lines: string[] = [];
  let code = 1;
  if (err instanceof KoError) {
    lines.push(`Error: ${capMessage(redact(err.message))}`);
    if (err instanceof UsageError) lines.push(`Run '${err.command} --help' for usage.`);
    code = err.exitCode;
  } else {
    lines.push(`Error: ${capMessage(redact(errorMessage(err)))}`);
  }
  if (isVerbose() && err instanceof Error && err.stack && !(err instanceof UsageError)) {
    lines.push(err.stack);
  }
  await stderr.write(lines.map((l, i) => i === 0 ? l : redact(l)).join("\n") + "\n");
  return code;
}

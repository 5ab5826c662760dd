/**
 * The progress of a run as the flags and the terminal ask: `--progress=auto` shows the live
 * view when stderr is this process's own terminal (and `TERM` is not `dumb`) — unless the verb
 * writes results to that terminal while it works (`ko resolve` streaming YAML, kubectl's
 * output) — and plain log lines otherwise; `--timings` (or `-v`) adds the per-phase breakdown
 * at the end.
 */
import { RunProgress } from "../progress/run_progress.ts";
import type { VerbContext } from "./context.ts";
import type { BuildOptions } from "./options.ts";

const encoder = new TextEncoder();

/** Writes all of `text` to this process's stderr, synchronously. */
function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length;) off += Deno.stderr.writeSync(bytes.subarray(off));
}

/** The run's progress for a verb's context and its `--progress` and `--timings` flags. */
export function openProgress(
  ctx: VerbContext,
  options: Pick<BuildOptions, "progress" | "timings">,
  writesWhileWorking = false,
): RunProgress {
  const terminal = ctx.inheritable?.stderr === true && Deno.stderr.isTerminal();
  const sharedOutput = writesWhileWorking && ctx.inheritable?.stdout === true &&
    Deno.stdout.isTerminal();
  const mode = options.progress === "auto"
    ? (terminal && !sharedOutput && ctx.env.TERM !== "dumb" ? "tty" : "plain")
    : options.progress;
  return new RunProgress({
    mode,
    timings: options.timings,
    // Straight to the terminal (the live view redraws synchronously); else through the verb's
    // writer (tests read it).
    write: ctx.inheritable?.stderr ? writeStderr : (text) => void ctx.stderr.write(text),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    },
    color: !ctx.env.NO_COLOR,
  });
}

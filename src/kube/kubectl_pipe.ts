/**
 * Streaming YAML into `kubectl <verb> -f -` (ko apply, ko create): kubectl starts first, its
 * stdin is primed with `---\n` 1000 times (as ko does, so kubectl starts reading early), then
 * the producer writes the resolved YAML as each file is ready. If kubectl exits first the
 * producer is cancelled and kubectl's failure is reported; if the producer fails kubectl is
 * stopped and the producer's error is reported.
 */
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import { type KubectlIo, startKubectl } from "./kubectl.ts";

/** What ko writes before any YAML: 1000 empty documents. */
export const KUBECTL_PRIMING = "---\n".repeat(1000);

/** Where the producer writes, and what tells it to stop. */
interface KubectlSink {
  write(chunk: string): Promise<void>;
  /** Fires when kubectl has exited. */
  readonly signal: AbortSignal;
}

/**
 * Runs `kubectl <verb> -f - <extraArgs…>` fed by `produce`.
 *
 * @example
 * ```ts
 * await pipeToKubectl(kubectl, "apply", ["--namespace=x"], io, (sink) =>
 *   streamResolvedYaml(ctx, options, sink));
 * ```
 */
export async function pipeToKubectl(
  path: string,
  verb: "apply" | "create",
  extraArgs: readonly string[],
  io: KubectlIo,
  produce: (sink: KubectlSink) => Promise<void>,
): Promise<void> {
  const kubectl = startKubectl(path, [verb, "-f", "-", ...extraArgs], io, verb, "piped");
  const writer = kubectl.stdin!.getWriter();
  const encoder = new TextEncoder();
  const write = async (chunk: string) => {
    kubectl.exited.throwIfAborted();
    try {
      await writer.write(encoder.encode(chunk));
    } catch (e) {
      kubectl.exited.throwIfAborted();
      throw new KoError(`writing to 'kubectl ${verb}': ${errorMessage(e)}`, { cause: e });
    }
  };
  let produced: unknown;
  try {
    await write(KUBECTL_PRIMING);
    await produce({ write, signal: kubectl.exited });
    await writer.close();
  } catch (e) {
    produced = e;
  }
  if (produced !== undefined && !kubectl.exited.aborted) {
    // The YAML failed: stop kubectl so nothing half-fed is applied, and report the YAML error.
    kubectl.kill();
    await writer.abort().catch(() => {});
    await kubectl.done.catch(() => {});
    throw produced;
  }
  await kubectl.done; // throws "error executing 'kubectl <verb>': exit status N"
  if (produced !== undefined) {
    // kubectl exited successfully before reading everything. The producer then failed only
    // because it was cancelled: that abort is not the cause (it would read as a Ctrl-C).
    throw new KoError(
      `error executing 'kubectl ${verb}': kubectl exited before reading all the YAML`,
      isAbortError(produced) ? {} : { cause: produced },
    );
  }
}

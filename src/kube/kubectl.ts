/**
 * Running kubectl for `ko apply`, `create`, `delete` and `run`: finding it on the verb's
 * `PATH`, `--kubeconfig` passthrough, and a child process whose stdout and stderr go to the
 * verb's writers and whose exit status becomes `error executing 'kubectl <verb>': exit status N`.
 */

import type { Writer } from "../util/writer.ts";
import { definedEnv, type Env, lookPath } from "../util/command.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";

/** kubectl's path on the `PATH` of `env`, or ko's error naming the verb that needs it. */
export function requireKubectl(env: Env, verb: string): string {
  const path = lookPath("kubectl", env);
  if (path) return path;
  throw new KoError(
    `error: kubectl is not available. kubectl must be installed to use ko ${verb}`,
  );
}

/** `["--kubeconfig", path]` when a kubeconfig was given, else nothing. */
export function kubeconfigArgs(kubeconfig: string): string[] {
  return kubeconfig ? ["--kubeconfig", kubeconfig] : [];
}

/** Where kubectl runs and where its output goes. */
export interface KubectlIo {
  readonly env: Env;
  readonly cwd: string;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Kills kubectl when it fires (Ctrl-C, or a failure elsewhere). */
  readonly signal?: AbortSignal;
  /** Give kubectl the process's own stdout / stderr instead of copying into the writers. */
  readonly inheritStdout?: boolean;
  readonly inheritStderr?: boolean;
}

/** A running kubectl. */
interface KubectlProcess {
  /** kubectl's stdin, when it was started with `stdin: "piped"`. */
  readonly stdin?: WritableStream<Uint8Array>;
  /** Resolves when kubectl has exited and its output is copied; rejects on a non-zero exit. */
  readonly done: Promise<void>;
  /** Fires as soon as kubectl exits, whatever its status. */
  readonly exited: AbortSignal;
  /** Stops kubectl. */
  kill(): void;
}

/**
 * Starts `kubectl <args>`. `stdin` is "piped" (the caller writes), "inherit" (ko's own), a
 * stream copied in, or nothing. `verb` names the command in the error
 * (`error executing 'kubectl apply': …`).
 */
export function startKubectl(
  path: string,
  args: readonly string[],
  io: KubectlIo,
  verb: string,
  stdin?: "piped" | "inherit" | ReadableStream<Uint8Array>,
): KubectlProcess {
  debug(`$ kubectl ${args.join(" ")}`);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(path, {
      args: [...args],
      cwd: io.cwd,
      env: definedEnv(io.env),
      clearEnv: true,
      stdin: stdin === "inherit" ? "inherit" : stdin ? "piped" : "null",
      stdout: io.inheritStdout ? "inherit" : "piped",
      stderr: io.inheritStderr ? "inherit" : "piped",
    }).spawn();
  } catch (e) {
    throw new KoError(`error executing 'kubectl ${verb}': ${errorMessage(e)}`, { cause: e });
  }
  const exitedController = new AbortController();
  // Once kubectl is stopped, its output is not waited for: a child of kubectl (a wrapper
  // script's real kubectl, a credential plugin) can outlive it and hold the pipes open.
  const stopCopies = new AbortController();
  let killed = false;
  const kill = () => {
    killed = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  };
  const onAbort = () => kill();
  io.signal?.addEventListener("abort", onAbort, { once: true });
  if (stdin instanceof ReadableStream) {
    stdin.pipeTo(child.stdin, { signal: exitedController.signal }).catch(() => {});
  }
  const copies = Promise.all([
    io.inheritStdout ? undefined : copy(child.stdout, io.stdout, stopCopies.signal),
    io.inheritStderr ? undefined : copy(child.stderr, io.stderr, stopCopies.signal),
  ]);
  const done = (async () => {
    const status = await child.status;
    exitedController.abort();
    io.signal?.removeEventListener("abort", onAbort);
    if (killed || io.signal?.aborted) stopCopies.abort();
    await copies;
    io.signal?.throwIfAborted();
    if (!status.success) {
      const why = status.signal ? `signal: ${status.signal}` : `exit status ${status.code}`;
      throw new KoError(`error executing 'kubectl ${verb}': ${why}`);
    }
  })();
  done.catch(() => {}); // the caller awaits it; this keeps an early failure from going unhandled
  return {
    ...(stdin === "piped" ? { stdin: child.stdin } : {}),
    done,
    exited: exitedController.signal,
    kill,
  };
}

/** Copies `from` into `to` until its end, or until `stop` fires (the rest is discarded). */
async function copy(
  from: ReadableStream<Uint8Array>,
  to: Writer,
  stop: AbortSignal,
): Promise<void> {
  const reader = from.getReader();
  const onStop = () => void reader.cancel().catch(() => {});
  stop.addEventListener("abort", onStop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await to.write(value);
    }
  } finally {
    stop.removeEventListener("abort", onStop);
  }
}

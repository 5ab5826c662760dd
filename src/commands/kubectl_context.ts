/** The kubectl side of a verb: its writers, environment, signal and stdin, as kubectl gets them. */
import type { KubectlIo } from "../kube/kubectl.ts";
import type { VerbContext } from "./context.ts";

/** The KubectlIo of a verb: its writers, environment and signal, and what may be inherited. */
export function kubectlIo(ctx: VerbContext): KubectlIo {
  return {
    env: ctx.env,
    cwd: ctx.cwd,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    signal: ctx.signal,
    inheritStdout: ctx.inheritable?.stdout ?? false,
    inheritStderr: ctx.inheritable?.stderr ?? false,
  };
}

/** What kubectl reads for `ko delete` and `ko run`: ko's own stdin, inherited when possible. */
export function kubectlStdin(ctx: VerbContext): "inherit" | ReadableStream<Uint8Array> {
  return ctx.inheritable?.stdin ? "inherit" : ctx.stdin;
}

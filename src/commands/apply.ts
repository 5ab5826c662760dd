/**
 * `ko apply` and `ko create`: resolve the `-f` inputs exactly as `ko resolve` does and stream
 * the YAML into `kubectl apply -f -` / `kubectl create -f -`, followed by `--kubeconfig` when
 * given and every argument after `--` (ko-behaviour 1.5).
 */
import type { ApplyCommandOptions, ApplyHandler } from "./options.ts";
import type { VerbContext } from "./context.ts";
import type { CreateHandler } from "./options.ts";
import { kubeconfigArgs, requireKubectl } from "../kube/kubectl.ts";
import { kubectlIo } from "./kubectl_context.ts";
import { pipeToKubectl } from "../kube/kubectl_pipe.ts";
import { openResolution, streamResolvedYaml } from "./resolve.ts";

/** Resolves and pipes into `kubectl <verb>`. */
async function resolveIntoKubectl(
  verb: "apply" | "create",
  ctx: VerbContext,
  kubectlArgs: readonly string[],
  options: ApplyCommandOptions,
): Promise<void> {
  const kubectl = requireKubectl(ctx.env, verb);
  // Selector, configuration and publisher errors come before kubectl is started.
  const pipeline = await openResolution(ctx, options);
  let streamed = false;
  try {
    await pipeToKubectl(
      kubectl,
      verb,
      [...kubeconfigArgs(options.kubeconfig), ...kubectlArgs],
      kubectlIo(ctx),
      (sink) => {
        streamed = true;
        return streamResolvedYaml(ctx, options, sink, pipeline);
      },
    );
  } finally {
    if (!streamed) await pipeline.close();
  }
}

/** The `ko apply` handler. */
export const runApply: ApplyHandler = (ctx, args, options) =>
  resolveIntoKubectl("apply", ctx, args, options);

/** The `ko create` handler. */
export const runCreate: CreateHandler = (ctx, args, options) =>
  resolveIntoKubectl("create", ctx, args, options);

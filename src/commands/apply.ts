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
import { openResolution, streamResolvedYaml, watchResolution } from "./resolve.ts";
import type { Pipeline } from "./pipeline.ts";

/** Resolves and pipes into `kubectl <verb>`. */
async function resolveIntoKubectl(
  verb: "apply" | "create",
  ctx: VerbContext,
  kubectlArgs: readonly string[],
  options: ApplyCommandOptions,
  opened?: Pipeline,
): Promise<void> {
  const kubectl = requireKubectl(ctx.env, verb);
  // Selector, configuration and publisher errors come before kubectl is started.
  const pipeline = opened ?? await openResolution(ctx, options);
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

/** The `ko apply` handler (`--watch`: applies again whenever an input changes). */
export const runApply: ApplyHandler = async (ctx, args, options) => {
  if (!options.watch) return await resolveIntoKubectl("apply", ctx, args, options);
  requireKubectl(ctx.env, "apply");
  await watchResolution(
    ctx,
    options,
    (pipeline) => resolveIntoKubectl("apply", ctx, args, options, pipeline),
  );
};

/** The `ko create` handler. */
export const runCreate: CreateHandler = (ctx, args, options) =>
  resolveIntoKubectl("create", ctx, args, options);

/**
 * `ko delete`: `kubectl delete` with every argument given after `delete`, verbatim, and ko's
 * stdin, stdout, stderr and environment (ko-behaviour 1.6).
 */
import type { DeleteHandler } from "./options.ts";
import { kubectlIo, kubectlStdin } from "./kubectl_context.ts";
import { requireKubectl, startKubectl } from "../kube/kubectl.ts";

/** The `ko delete` handler. */
export const runDelete: DeleteHandler = async (ctx, args) => {
  const kubectl = requireKubectl(ctx.env, "delete");
  await startKubectl(
    kubectl,
    ["delete", ...args],
    kubectlIo(ctx),
    "delete",
    kubectlStdin(ctx),
  ).done;
};

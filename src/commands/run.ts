/**
 * `ko run`: build and publish each import path as `ko build` does, then for each result run
 * `kubectl run <pod> --image <ref> --attach --rm --restart=Never --log-flush-frequency=1s
 * [--kubeconfig K] <args after -->` with ko's stdin, stdout and stderr (ko-behaviour 1.7).
 * The pod is named after the last element of the image's repository.
 */
import type { RunHandler } from "./options.ts";
import { parseReference } from "../oci/reference.ts";
import { lastElement } from "../util/go_path.ts";
import { kubeconfigArgs, requireKubectl, startKubectl } from "../kube/kubectl.ts";
import { kubectlIo, kubectlStdin } from "./kubectl_context.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import type { PublishedImage } from "./pipeline.ts";
import { openPipeline } from "./setup.ts";

/** The flags ko always gives `kubectl run`. */
export const KUBECTL_RUN_DEFAULTS = [
  "--attach",
  "--rm",
  "--restart=Never",
  "--log-flush-frequency=1s",
] as const;

/** The pod name for a published reference: the last element of its repository. */
export function podName(ref: string): string {
  try {
    const parsed = parseReference(ref);
    return lastElement(parsed.repository || parsed.registry);
  } catch {
    return lastElement(ref.split("@")[0]!.replace(/:[^/]*$/, ""));
  }
}

/** The `ko run` handler. */
export const runRun: RunHandler = async (ctx, importPaths, options) => {
  const kubectl = requireKubectl(ctx.env, "run");
  const pipeline = await openPipeline(ctx, options);
  let published: PublishedImage[];
  try {
    published = await pipeline.run(() => pipeline.publishImportPaths(importPaths, ctx.signal));
  } catch (e) {
    throw new KoError(`failed to publish images: ${errorMessage(e)}`, { cause: e });
  }
  for (const { ref, image } of published) {
    info(`Running ${JSON.stringify(ref)}`);
    const argv = [
      "run",
      podName(image),
      "--image",
      image,
      ...KUBECTL_RUN_DEFAULTS,
      ...kubeconfigArgs(options.kubeconfig),
      ...options.kubectlArgs,
    ];
    info(`$ kubectl ${argv.join(" ")}`);
    await startKubectl(
      kubectl,
      argv,
      kubectlIo(ctx),
      "run",
      kubectlStdin(ctx),
    ).done;
  }
};

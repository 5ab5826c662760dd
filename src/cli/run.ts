/** `ko run IMPORTPATH... [-- kubectl args]`: build and publish, then `kubectl run` the image. */
import type { VerbContext, VerbHandler } from "./context.ts";
import { KoCommand } from "./ko_command.ts";
import { addBuildOptions, type BuildOptions, readBuildOptions } from "./options/build_options.ts";
import {
  addKubeconfigOptions,
  type KubeconfigOptions,
  readKubeconfigOptions,
} from "./options/kubeconfig_options.ts";
import {
  addPublishOptions,
  type PublishOptions,
  readPublishOptions,
} from "./options/publish_options.ts";
import { validateOptions } from "./options/validate_options.ts";
import { UsageError } from "./usage_error.ts";

/** Options of `ko run`. */
export type RunCommandOptions = BuildOptions & PublishOptions & KubeconfigOptions & {
  /** Arguments after the first `--`, for `kubectl run` (a later `--` starts the container's). */
  kubectlArgs: string[];
};

/** Builds and publishes each import path in `args`, then runs it as a pod with kubectl. */
export type RunHandler = VerbHandler<RunCommandOptions>;

/** Defines `ko run`. */
export function runCommand(ctx: VerbContext, handler: RunHandler): KoCommand {
  const cmd = new KoCommand("run", ctx.stdout)
    .summary("Build and publish an image, then run it as a pod in the cluster")
    .description(
      "Build and publish each import path as ko build does, then run the image with\n" +
        "kubectl run --attach --rm --restart=Never. Flags for ko may come before or after the\n" +
        "import path; arguments after -- go to kubectl run, and after a second -- to the app.",
    );
  cmd.usageLine = "run IMPORTPATH... [flags] [-- kubectl-args... [-- app-args...]]";
  cmd.positional = "dir";
  cmd.unknownFlagHint = "flags for kubectl go after --";
  cmd.examples = `
  # Build ./cmd/app and run it in the cluster
  ko run ./cmd/app

  # Label the pod, and pass -wait=false to the app
  ko run ./cmd/app -- --labels=team=a -- -wait=false`;
  addBuildOptions(cmd);
  addPublishOptions(cmd);
  addKubeconfigOptions(cmd);
  cmd.onRun(async ({ operands, dashAt }) => {
    const importPaths = dashAt === -1 ? operands : operands.slice(0, dashAt);
    const kubectlArgs = dashAt === -1 ? [] : operands.slice(dashAt);
    if (importPaths.length === 0) {
      throw new UsageError("ko run: no importpaths listed", cmd.path());
    }
    const build = readBuildOptions(cmd);
    const publish = validateOptions(cmd, build, readPublishOptions(cmd), ctx.env);
    await handler(ctx, importPaths, {
      ...build,
      ...publish,
      ...readKubeconfigOptions(cmd),
      kubectlArgs,
    });
  });
  return cmd;
}

/** `ko run IMPORTPATH... [-- kubectl args]`: build and publish, then `kubectl run` the image. */
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { addBuildOptions, readBuildOptions } from "./options/build_options.ts";
import { addKubeconfigOptions, readKubeconfigOptions } from "./options/kubeconfig_options.ts";
import { validateOptions } from "./options/validate_options.ts";
import type { RunHandler } from "../commands/options.ts";
import { UsageError } from "./usage_error.ts";
import { addPublishOptions } from "./options/publish_options.ts";
import { readPublishOptions } from "./options/publish_options.ts";

/** Defines `ko run`. */
export function runCommand(ctx: VerbContext, handler: RunHandler): KoCommand {
  const cmd = new KoCommand("run", ctx.stdout)
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

/** `ko build IMPORTPATH...` (alias `publish`): build Go main packages into images and publish them. */
import { addWatchOption, readWatchOption } from "./options/watch_options.ts";
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { addBuildOptions, readBuildOptions } from "./options/build_options.ts";
import { addPublishOptions, readPublishOptions } from "./options/publish_options.ts";
import type { BuildHandler } from "../commands/options.ts";
import { validateOptions } from "./options/validate_options.ts";

/** Defines `ko build`, calling `handler` with the import paths and validated options. */
export function buildCommand(ctx: VerbContext, handler: BuildHandler): KoCommand {
  const cmd = new KoCommand("build", ctx.stdout)
    .description(
      "Build each import path into a container image, publish it to KO_DOCKER_REPO (or\n" +
        "where the flags say), and print one image reference per line on stdout.\n" +
        "Without arguments the package in the current directory is built.",
    );
  cmd.usageLine = "build IMPORTPATH... [flags]";
  cmd.positional = "dir";
  cmd.examples = `
  # Build the package in ./cmd/app and push it as $KO_DOCKER_REPO/app-<hash>
  ko build ./cmd/app

  # Name the image after the full import path, tag it v1 and latest
  ko build -P -t v1,latest ./cmd/app

  # Build for two platforms without pushing, into an OCI image layout
  ko build --platform=linux/amd64,linux/arm64 --push=false --oci-layout-path=out ./cmd/app

  # Write a tarball for docker load instead of pushing (a tarball holds one platform)
  ko build --push=false --tarball=app.tar ./cmd/app

  # Load the image into the local Docker daemon
  ko build -L ./cmd/app`;
  addBuildOptions(cmd);
  addPublishOptions(cmd);
  addWatchOption(cmd);
  cmd.onRun(async ({ operands }) => {
    const build = readBuildOptions(cmd);
    const publish = validateOptions(cmd, build, readPublishOptions(cmd), ctx.env);
    await handler(ctx, operands.length > 0 ? operands : ["."], {
      ...build,
      ...publish,
      ...readWatchOption(cmd),
    });
  });
  return cmd;
}

/** `ko resolve -f FILENAME`: build every ko:// reference in Kubernetes YAML and print the YAML. */
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { addBuildOptions, readBuildOptions } from "./options/build_options.ts";
import { addFilenameOptions, readFilenameOptions } from "./options/filename_options.ts";
import { addSelectorOptions, readSelectorOptions } from "./options/selector_options.ts";
import { validateOptions } from "./options/validate_options.ts";
import { addWatchOption, readWatchOption } from "./options/watch_options.ts";
import type { ResolveCommandOptions } from "../commands/options.ts";
import type { ResolveHandler } from "../commands/options.ts";
import { addPublishOptions } from "./options/publish_options.ts";
import { readPublishOptions } from "./options/publish_options.ts";

/** Declares the flags resolve, apply and create share, in ko's groups. */
export function addResolveOptions(cmd: KoCommand): void {
  addFilenameOptions(cmd);
  addSelectorOptions(cmd);
  addBuildOptions(cmd);
  addPublishOptions(cmd);
}

/** Reads and validates the flags declared by {@link addResolveOptions}. */
export function readResolveOptions(cmd: KoCommand, ctx: VerbContext): ResolveCommandOptions {
  const build = readBuildOptions(cmd);
  const publish = validateOptions(cmd, build, readPublishOptions(cmd), ctx.env);
  return {
    ...build,
    ...publish,
    ...readFilenameOptions(cmd),
    ...readSelectorOptions(cmd),
    ...readWatchOption(cmd),
  };
}

/** Defines `ko resolve`. */
export function resolveCommand(ctx: VerbContext, handler: ResolveHandler): KoCommand {
  const cmd = new KoCommand("resolve", ctx.stdout)
    .description(
      "Read Kubernetes YAML, build and publish every ko://<import path> it mentions, and print\n" +
        "the YAML with each such reference replaced by the published image reference.",
    );
  cmd.usageLine = "resolve -f FILENAME [flags]";
  cmd.examples = `
  # Resolve every YAML file in config/ and save the result
  ko resolve -f config/ > release.yaml

  # Only objects labelled app=web, read from stdin
  cat app.yaml | ko resolve -l app=web -f -`;
  addResolveOptions(cmd);
  addWatchOption(cmd);
  cmd.onRun(async ({ operands }) => {
    cmd.expectArgs(operands, 0, 0, "arguments");
    await handler(ctx, [], readResolveOptions(cmd, ctx));
  });
  return cmd;
}

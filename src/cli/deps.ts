/** `ko deps IMPORTPATH`: print the Go module dependencies that would be baked into the image. */
import type { VerbContext } from "../commands/context.ts";
import { KoCommand } from "./ko_command.ts";
import { DEPS_SBOM_FORMATS } from "../commands/options.ts";
import type { DepsHandler } from "../commands/options.ts";
import type { DepsSbomFormat } from "../commands/options.ts";

/** Defines `ko deps`. */
export function depsCommand(ctx: VerbContext, handler: DepsHandler): KoCommand {
  const cmd = new KoCommand("deps", ctx.stdout)
    .description(
      "Build the binary for an import path and print the Go modules it contains, or with\n" +
        "--sbom a software bill of materials in the chosen format.",
    );
  cmd.usageLine = "deps IMPORTPATH [flags]";
  cmd.positional = "dir";
  cmd.examples = `
  # The modules in ./cmd/app
  ko deps ./cmd/app

  # An SPDX document for the arm64 binary
  ko deps --sbom=spdx --platform=linux/arm64 ./cmd/app`;
  cmd
    .flag({
      names: "--sbom",
      kind: "string",
      allowed: DEPS_SBOM_FORMATS,
      description:
        "Print this SBOM instead of the dependency tree: spdx, cyclonedx, or go.version-m",
    })
    .flag({
      names: "--platform",
      kind: "strings",
      description: "Platform to build the binary for, e.g. linux/arm64",
    });
  cmd.onRun(async ({ operands }) => {
    cmd.expectArgs(operands, 1, 1, "argument (the import path)");
    await handler(ctx, operands, {
      sbom: cmd.flagValue<DepsSbomFormat>("sbom"),
      platforms: cmd.flagValue<string[]>("platform"),
    });
  });
  return cmd;
}

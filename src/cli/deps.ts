/** `ko deps IMPORTPATH`: print the Go module dependencies that would be baked into the image. */
import type { VerbContext, VerbHandler } from "./context.ts";
import { KoCommand } from "./ko_command.ts";

/** Documents `ko deps --sbom` can print; "" prints the plain dependency tree. */
export const DEPS_SBOM_FORMATS = ["", "spdx", "cyclonedx", "go.version-m"] as const;

/** One of {@link DEPS_SBOM_FORMATS}. */
export type DepsSbomFormat = typeof DEPS_SBOM_FORMATS[number];

/** Options of `ko deps`. */
export interface DepsCommandOptions {
  /** "" for the dependency tree, or the SBOM document to print instead. */
  sbom: DepsSbomFormat;
  /** `--platform` entries the binary is built for; [] = the default platform. */
  platforms: string[];
}

/** Builds the binary of `args[0]` and prints its dependencies (or an SBOM) on stdout. */
export type DepsHandler = VerbHandler<DepsCommandOptions>;

/** Defines `ko deps`. */
export function depsCommand(ctx: VerbContext, handler: DepsHandler): KoCommand {
  const cmd = new KoCommand("deps", ctx.stdout)
    .summary("Print the Go module dependency tree that would be baked into the image")
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

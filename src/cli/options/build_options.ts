/**
 * Flags that shape how images are built, shared by build, resolve, apply, create and run
 * (ko's `AddBuildOptions`).
 */
import type { KoCommand } from "../ko_command.ts";
import { UsageError } from "../usage_error.ts";
import { quoteInput } from "../../util/quote_input.ts";
import { SBOM_FORMATS, type SbomFormat } from "../../sbom/sbom_formats.ts";
import { type BuildOptions, PROGRESS_MODES, type ProgressFlag } from "../../commands/options.ts";

/** Declares the build flags on a command. */
export function addBuildOptions(cmd: KoCommand): void {
  cmd
    .flag({
      names: "-j, --jobs",
      kind: "int",
      description:
        "Number of builds (and, when given, uploads per image) to run at once; 0 means one per CPU",
    })
    .flag({
      names: "--disable-optimizations",
      kind: "bool",
      description: "Compile without optimizations or inlining (-gcflags all=-N -l), for debuggers",
    })
    .flag({
      names: "--ldflags",
      kind: "strings",
      description: "Linker flags for go build; when given they replace all ldflags from .ko.yaml",
    })
    .flag({
      names: "--sbom",
      kind: "string",
      default: "spdx",
      allowed: SBOM_FORMATS,
      description: "SBOM to generate and attach: spdx, cyclonedx, go.version-m, or none",
    })
    .flag({
      names: "--sbom-dir",
      kind: "string",
      complete: "dir",
      description: "Directory to also write the generated SBOMs to",
    })
    .flag({
      names: "--platform",
      kind: "strings",
      description:
        "Platforms to build for, e.g. linux/amd64,linux/arm64,linux/arm/v7; all means every platform the base image has",
    })
    .flag({
      names: "--image-label",
      kind: "strings",
      description: "Label to set in the image config, as key=value",
    })
    .flag({
      names: "--image-annotation",
      kind: "strings",
      description: "Annotation to set on the image manifest and index, as key=value",
    })
    .flag({
      names: "--image-user",
      kind: "string",
      description: "User (and optionally group) the image runs as, e.g. 65532 or app:app",
    })
    .flag({
      names: "--debug",
      kind: "bool",
      description:
        "Include the Delve debugger in the image and start the app under it (implies --disable-optimizations)",
    })
    .flag({
      names: "--progress",
      kind: "string",
      default: "auto",
      allowed: PROGRESS_MODES,
      description:
        "How progress is shown on stderr: auto (a live view on a terminal, else plain), plain (log lines), tty, or quiet",
    })
    .flag({
      names: "--timings",
      kind: "bool",
      description: "Print how long each phase took (start-up, go list, go build, layers, uploads…)",
    });
}

/** Splits `key=value` pairs at the first `=`, throwing `missing(<pair>)` for a pair without one. */
function keyValues(
  pairs: readonly string[],
  missing: (pair: string) => string,
  commandPath: string,
  flag: string,
): Record<string, string> {
  const entries: [string, string][] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq === -1) throw new UsageError(missing(pair), commandPath);
    // `=value` would write a label or annotation without a name (ko accepts it).
    if (eq === 0) {
      throw new UsageError(
        `invalid argument ${quoteInput(pair)} for "${flag}" flag: the key is empty`,
        commandPath,
      );
    }
    entries.push([pair.slice(0, eq), pair.slice(eq + 1)]);
  }
  return Object.fromEntries(entries);
}

/** Reads and checks the build flags of a parsed command. */
export function readBuildOptions(cmd: KoCommand): BuildOptions {
  const path = cmd.path();
  const jobs = cmd.flagValue<number>("jobs");
  if (jobs < 0) {
    throw new UsageError(
      `invalid argument "${jobs}" for "-j, --jobs" flag: must be 0 (one per CPU) or more`,
      path,
    );
  }
  return {
    // The CPUs this process may use (affinity and cgroup limits applied), as node:os's
    // availableParallelism() reports them.
    jobs: jobs === 0 ? Math.max(1, navigator.hardwareConcurrency) : jobs,
    pushJobs: jobs === 0 ? Math.max(4, navigator.hardwareConcurrency) : jobs,
    disableOptimizations: cmd.flagValue<boolean>("disable-optimizations"),
    ldflags: cmd.flagValue<string[]>("ldflags"),
    sbom: cmd.flagValue<SbomFormat>("sbom"),
    sbomDir: cmd.flagValue<string>("sbom-dir"),
    platforms: cmd.flagValue<string[]>("platform"),
    imageLabels: keyValues(
      cmd.flagValue<string[]>("image-label"),
      (v) => `invalid label flag: ${v}`,
      path,
      "--image-label",
    ),
    imageAnnotations: keyValues(
      cmd.flagValue<string[]>("image-annotation"),
      (v) => `missing '=' in annotation: ${v}`,
      path,
      "--image-annotation",
    ),
    imageUser: cmd.flagValue<string>("image-user"),
    debug: cmd.flagValue<boolean>("debug"),
    progress: cmd.flagValue<ProgressFlag>("progress"),
    timings: cmd.flagValue<boolean>("timings"),
  };
}

/**
 * Cross-flag rules checked before any work starts (ko's `options.Validate`): conflicting
 * naming flags, a redundant `--local`, and `all` mixed with specific platforms.
 */
import { info } from "../../util/log.ts";
import type { KoCommand } from "../ko_command.ts";
import { UsageError } from "../usage_error.ts";
import type { BuildOptions } from "../../commands/options.ts";
import type { PublishOptions } from "../../commands/options.ts";

const RULE = "-".repeat(65);

/** The banner logged when `-B` and `--bare` are both given. */
const BARE_AND_BASE_WARNING = [
  "WARNING!",
  RULE,
  "Both --base-import-paths (-B) and --bare were given.",
  "",
  "ko names images with --base-import-paths and ignores --bare.",
  "",
  "A future version may reject this combination.",
  RULE,
].join("\n");

/** The banner logged when `--local` is given and KO_DOCKER_REPO already points at ko.local. */
const LOCAL_AND_KO_LOCAL_WARNING = [
  "WARNING!",
  RULE,
  "--local was given and KO_DOCKER_REPO already contains ko.local.",
  "",
  "Either one alone loads images into the local Docker daemon;",
  "you can drop the other.",
  RULE,
].join("\n");

/**
 * Checks build and publish options together, logging warnings, and returns the publish options
 * to use (`-B` wins over `--bare`). Throws `validating options: …` on a hard conflict.
 */
export function validateOptions(
  cmd: KoCommand,
  build: BuildOptions,
  publish: PublishOptions,
  env: Readonly<Record<string, string>>,
): PublishOptions {
  let result = publish;
  if (publish.bare && publish.baseImportPaths) {
    info(BARE_AND_BASE_WARNING);
    result = { ...publish, bare: false };
  }
  if (publish.local && (env.KO_DOCKER_REPO ?? "").includes("ko.local")) {
    info(LOCAL_AND_KO_LOCAL_WARNING);
  }
  if (build.platforms.length > 1 && build.platforms.includes("all")) {
    throw new UsageError(
      `validating options: all or specific platforms should be used, not both (got --platform=${
        build.platforms.join(",")
      })`,
      cmd.path(),
    );
  }
  return result;
}

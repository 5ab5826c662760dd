/** The `ko` command tree: the root command with its global flags and every verb. */
import { applyCommand } from "./apply.ts";
import { buildCommand } from "./build.ts";
import { completionCommand } from "./completion.ts";
import type { VerbContext } from "../commands/context.ts";
import { createCommand } from "./create.ts";
import { deleteCommand } from "./delete.ts";
import { depsCommand } from "./deps.ts";
import type { Handlers } from "./handlers.ts";
import { helpCommand } from "./help_command.ts";
import { KoCommand } from "./ko_command.ts";
import { loginCommand } from "./login.ts";
import { resolveCommand } from "./resolve.ts";
import { runCommand } from "./run.ts";
import { UsageError } from "./usage_error.ts";
import { versionCommand } from "./version.ts";

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

/** The error for `ko <word>` when no verb is called that, with a suggestion if one is close. */
function unknownCommand(root: KoCommand, word: string): UsageError {
  const names = root.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  const close = names.filter((n) => (word !== "" && n.startsWith(word)) || distance(n, word) <= 2);
  const hint = close.length > 0
    ? ` (did you mean ${close.map((n) => `"${n}"`).join(" or ")}?)`
    : "";
  return new UsageError(`unknown command "${word}" for "ko"${hint}`, "ko");
}

/**
 * Builds the `ko` program for one run: verbs call `handlers` with `ctx`.
 *
 * @example
 * ```ts
 * const program = createProgram(processContext(), defaultHandlers);
 * await program.execute(["version"]);
 * ```
 */
export function createProgram(ctx: VerbContext, handlers: Handlers): KoCommand {
  const root = new KoCommand("ko", ctx.stdout)
    .summary("Build and deploy Go container images without a Dockerfile")
    .description(
      "ko builds Go container images without a Dockerfile: it compiles a Go main package with\n" +
        "go build, lays the binary on a small base image and publishes the image to\n" +
        "KO_DOCKER_REPO. It can also resolve ko:// references in Kubernetes YAML and deploy it.",
    );
  root.flag({ names: "-v, --verbose", kind: "bool", description: "Enable debug logs" });
  root.onRun(async ({ operands }) => {
    const [word] = operands;
    if (word !== undefined) throw unknownCommand(root, word);
    await ctx.stdout.write(root.helpText());
  });
  root
    .addCommand(applyCommand(ctx, handlers.apply))
    .addCommand(buildCommand(ctx, handlers.build))
    .addCommand(completionCommand(ctx, root))
    .addCommand(createCommand(ctx, handlers.create))
    .addCommand(deleteCommand(ctx, handlers.delete))
    .addCommand(depsCommand(ctx, handlers.deps))
    .addCommand(helpCommand(ctx, root))
    .addCommand(loginCommand(ctx, handlers.login))
    .addCommand(resolveCommand(ctx, handlers.resolve))
    .addCommand(runCommand(ctx, handlers.run))
    .addCommand(versionCommand(ctx, handlers.version));
  return root;
}

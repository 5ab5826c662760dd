/** The `ko` command tree: the root command with its global flags and every verb. */
import type { VerbContext } from "../commands/context.ts";
import type { Handlers } from "./handlers.ts";
import { KoCommand } from "./ko_command.ts";
import { UsageError } from "./usage_error.ts";

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
  // Each verb's module loads only when that verb runs or its help or completion is asked for.
  const verbs: [string, string, () => Promise<KoCommand>, string[]?][] = [
    [
      "apply",
      "Like resolve, then pipe the resolved YAML into kubectl apply",
      async () => (await import("./apply.ts")).applyCommand(ctx, handlers.apply),
    ],
    [
      "build",
      "Build images for Go main packages and push them to KO_DOCKER_REPO",
      async () => (await import("./build.ts")).buildCommand(ctx, handlers.build),
      ["publish"],
    ],
    [
      "completion",
      "Print a shell completion script (bash, zsh, fish, powershell)",
      async () => (await import("./completion.ts")).completionCommand(ctx, root),
    ],
    [
      "create",
      "Like resolve, then pipe the resolved YAML into kubectl create",
      async () => (await import("./create.ts")).createCommand(ctx, handlers.create),
    ],
    [
      "delete",
      "Delete resources from the cluster (runs kubectl delete)",
      async () => (await import("./delete.ts")).deleteCommand(ctx, handlers.delete),
    ],
    [
      "deps",
      "Print the Go module dependency tree that would be baked into the image",
      async () => (await import("./deps.ts")).depsCommand(ctx, handlers.deps),
    ],
    [
      "help",
      "Help about any command",
      async () => (await import("./help_command.ts")).helpCommand(ctx, root),
    ],
    [
      "login",
      "Log in to a container registry",
      async () => (await import("./login.ts")).loginCommand(ctx, handlers.login),
    ],
    [
      "resolve",
      "Print Kubernetes YAML with every ko:// image built, pushed and replaced by its digest",
      async () => (await import("./resolve.ts")).resolveCommand(ctx, handlers.resolve),
    ],
    [
      "run",
      "Build and publish an image, then run it as a pod in the cluster",
      async () => (await import("./run.ts")).runCommand(ctx, handlers.run),
    ],
    [
      "version",
      "Print the version of ko",
      async () => (await import("./version.ts")).versionCommand(ctx, handlers.version),
    ],
  ];
  for (const [name, summary, define, aliases] of verbs) {
    root.addLazyCommand(name, summary, define, aliases);
  }
  return root;
}

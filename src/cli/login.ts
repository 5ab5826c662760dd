/** `ko login [OPTIONS] SERVER`: store registry credentials in the Docker config file. */
import { KoError } from "../util/errors.ts";
import { readAllText } from "../util/writer.ts";
import { KoCommand } from "./ko_command.ts";
import { UsageError } from "./usage_error.ts";
import type { LoginHandler } from "../commands/options.ts";
import type { VerbContext } from "../commands/context.ts";

/** Reads a password from stdin, dropping one trailing "\n" and then one "\r" like ko. */
async function readPasswordFromStdin(
  stdin: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<string> {
  let text = await readAllText(stdin, signal);
  if (text.endsWith("\n")) text = text.slice(0, -1);
  if (text.endsWith("\r")) text = text.slice(0, -1);
  return text;
}

/** Defines `ko login`. */
export function loginCommand(ctx: VerbContext, handler: LoginHandler): KoCommand {
  const cmd = new KoCommand("login", ctx.stdout)
    .description(
      "Authenticate to a container registry. The credentials are stored in the Docker config\n" +
        "file ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), through its credential\n" +
        "store when one is configured.",
    );
  cmd.usageLine = "login [OPTIONS] SERVER";
  cmd.examples = `
  # Log in to GitHub's registry with a token from the environment
  echo "$GITHUB_TOKEN" | ko login ghcr.io -u you --password-stdin`;
  cmd
    .flag({ names: "-u, --username", kind: "string", description: "Username" })
    .flag({ names: "-p, --password", kind: "string", description: "Password" })
    .flag({ names: "--password-stdin", kind: "bool", description: "Take the password from stdin" });
  cmd.onRun(async ({ operands }) => {
    cmd.expectArgs(operands, 1, 1, "argument (the registry)");
    const username = cmd.flagValue<string>("username");
    let password = cmd.flagValue<string>("password");
    if (cmd.flagValue<boolean>("password-stdin")) {
      if (cmd.flagGiven("password")) {
        throw new UsageError("--password and --password-stdin cannot be used together", cmd.path());
      }
      password = await readPasswordFromStdin(ctx.stdin, ctx.signal);
    }
    if (username === "" && password === "") throw new KoError("username and password required");
    // ko stores a username with an empty password (no -p, or an empty stdin): a login that
    // can only fail later, at the registry.
    if (password === "") {
      throw new KoError(
        cmd.flagValue<boolean>("password-stdin")
          ? "the password read from stdin is empty"
          : "a password is required: pass -p or --password-stdin",
      );
    }
    await handler(ctx, operands, { username, password });
  });
  return cmd;
}

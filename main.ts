/**
 * ko for TypeScript: build and deploy Go container images without a Dockerfile.
 * Entry point only: run the CLI and exit with its code.
 */
import { runCli } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}

/**
 * ko for TypeScript: build and deploy Go container images without a Dockerfile.
 * Entry point only: check the Deno version, then run the CLI and exit with its code. The CLI is
 * imported only after the check, so an older Deno gets one line instead of whatever loading
 * newer code makes it say; and a copy of ko with modules missing (a wrong or partial URL) says
 * so in one line too.
 */
import { unsupportedDenoMessage } from "./src/version.ts";

if (import.meta.main) {
  const unsupported = unsupportedDenoMessage(Deno.version.deno);
  if (unsupported !== undefined) {
    console.error(`Error: ${unsupported}`);
    Deno.exit(1);
  }
  let cli: typeof import("./src/cli/main.ts");
  try {
    cli = await import("./src/cli/main.ts");
  } catch (err) {
    const base = new URL(".", import.meta.url).href;
    const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    console.error(`Error: ${base} is not a complete copy of ko (${reason})`);
    Deno.exit(1);
  }
  Deno.exit(await cli.runCli(Deno.args));
}

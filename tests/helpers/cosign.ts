/**
 * cosign v2 (sigstore's CLI), built from the Go module proxy by scripts/install-cosign.sh on
 * first use (about 10 minutes on 2 cores when cold) and kept in the test cache, so a warm
 * machine reuses it. Interop tests verify what ko signs and attaches with the real thing.
 *
 * @example
 * ```ts
 * const bin = await cosignBinary();
 * await runOk(bin, ["verify", "--key", pub, "--insecure-ignore-tlog=true", ref]);
 * ```
 */
import { fileURLToPath } from "node:url";
import { run, runOk, type RunResult } from "./tools.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/install-cosign.sh", import.meta.url));

let binary: Promise<string> | undefined;

/** The cosign binary, built on first use (cached across runs by the install script). */
export function cosignBinary(): Promise<string> {
  binary ??= runOk("bash", [SCRIPT]).then((r) => r.stdout.trim());
  return binary;
}

/** The flags cosign needs for a plain-HTTP loopback registry and no transparency log. */
export const COSIGN_LOCAL_FLAGS = [
  "--insecure-ignore-tlog=true",
  "--allow-insecure-registry",
  "--allow-http-registry",
];

/** Runs cosign with `args` (its exit code and output, not thrown). */
export async function cosign(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return await run(await cosignBinary(), args, { env });
}

/**
 * crane, go-containerregistry's CLI, built by scripts/install-crane.sh from the Go module
 * proxy: an independent implementation that reads what ko pushes and writes.
 *
 * @example
 * ```ts
 * const out = await crane(["validate", "--insecure", "--remote", ref]);
 * ```
 */
import { fileURLToPath } from "node:url";
import { runOk, type RunResult } from "./tools.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/install-crane.sh", import.meta.url));

let binary: Promise<string> | undefined;

/** The crane binary, built on first use (cached across runs by the install script). */
export function craneBinary(): Promise<string> {
  binary ??= runOk("bash", [SCRIPT]).then((r) => r.stdout.trim());
  return binary;
}

/** Runs crane with `args`; rejects with its output unless it exits 0. */
export async function crane(args: string[]): Promise<RunResult> {
  return await runOk(await craneBinary(), args);
}

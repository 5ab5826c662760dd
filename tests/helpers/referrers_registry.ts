/**
 * A real registry that HAS the OCI 1.1 referrers API (go-containerregistry's in-memory
 * registry, built by scripts/install-referrers-registry.sh from the Go module proxy), on a
 * free 127.0.0.1 port, plain HTTP, no auth. It answers `GET /v2/<name>/referrers/<digest>`
 * from the `subject` of pushed manifests (listing each with the config media type as its
 * artifactType, and 404 for a repository with no manifests yet).
 *
 * @example
 * ```ts
 * await using reg = await startReferrersRegistry();
 * await fetch(`${reg.url}/v2/app/referrers/${digest}`);
 * ```
 */
import { fileURLToPath } from "node:url";
import type { RegistryServer } from "./registry_server.ts";
import { runOk, stopProcess } from "./tools.ts";

const SCRIPT = fileURLToPath(
  new URL("../../scripts/install-referrers-registry.sh", import.meta.url),
);

let binary: Promise<string> | undefined;

/** The registry binary, built on first use (cached across runs by the install script). */
export function referrersRegistryBinary(): Promise<string> {
  binary ??= runOk("bash", [SCRIPT]).then((r) => r.stdout.trim());
  return binary;
}

/** Starts the referrers-capable registry; `stop()` (or `await using`) ends it. */
export async function startReferrersRegistry(): Promise<RegistryServer> {
  const bin = await referrersRegistryBinary();
  const child = new Deno.Command(bin, { stdout: "piped", stderr: "piped", stdin: "null" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let host: string | undefined;
  while (host === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    host = /listening on (127\.0\.0\.1:\d+)\n/.exec(seen)?.[1];
  }
  // Keep draining both pipes so the process never blocks on a full one.
  const stdoutDone = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  let log = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
  })();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcess(child);
    await Promise.all([stdoutDone, stderrDone]).catch(() => {});
  };
  if (host === undefined) {
    await stop();
    throw new Error(`the referrers registry did not start: ${seen}${log}`);
  }
  return {
    host,
    url: `http://${host}`,
    mode: "plain",
    logs: () => log,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

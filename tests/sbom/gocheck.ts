/**
 * Runs tests/testdata/sbom/gocheck (standard library only) with the real Go toolchain, to
 * compare our parsing and JSON encoding with Go's own `runtime/debug` and `encoding/json`.
 */
import { fileURLToPath } from "node:url";

const GOCHECK_DIR = fileURLToPath(new URL("../testdata/sbom/gocheck", import.meta.url));

/** Runs `gocheck <mode>` with `input` on stdin and returns its stdout. */
export async function goCheck(
  mode: "parse" | "string" | "encode" | "spdx",
  input: string,
): Promise<string> {
  const child = new Deno.Command("go", {
    args: ["run", ".", mode],
    cwd: GOCHECK_DIR,
    env: { GOTOOLCHAIN: "local", GOPROXY: "off", GOWORK: "off", GOFLAGS: "-mod=mod" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`gocheck ${mode} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

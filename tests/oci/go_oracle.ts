/**
 * Go's own encoding/json as a test oracle: builds tests/oci/testdata/go_json_echo once per
 * process (real `go build`) and re-encodes documents through Go structs laid out like
 * go-containerregistry's v1 types.
 */
import { runGoProgram } from "../helpers/go_program.ts";

/** Which Go struct a document is decoded into. */
export type GoDocKind = "manifest" | "index" | "config" | "layout-index";

const ECHO = new URL("./testdata/go_json_echo/main.go", import.meta.url);

/**
 * Re-encodes each document with Go: one string per document, either the JSON Go writes or
 * `ERROR: <Go's decode error>`.
 */
export async function goReencode(
  docs: ReadonlyArray<{ kind: GoDocKind; doc: string }>,
): Promise<string[]> {
  // Documents are embedded raw so Go sees exactly these bytes (key case included).
  const input = `[${docs.map((d) => `{"kind":${JSON.stringify(d.kind)},"doc":${d.doc}}`)}]`;
  const stdout = await runGoProgram(ECHO, input);
  return stdout.split("\n").slice(0, docs.length);
}

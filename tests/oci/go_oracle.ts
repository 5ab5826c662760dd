/**
 * Go's own encoding/json as a test oracle: builds tests/oci/testdata/go_json_echo once per
 * process (real `go build`) and re-encodes documents through Go structs laid out like
 * go-containerregistry's v1 types.
 */

/** Which Go struct a document is decoded into. */
export type GoDocKind = "manifest" | "index" | "config";

let binary: Promise<string> | undefined;

async function build(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ko-go-oracle-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/go_json_echo`;
  const src = new URL("./testdata/go_json_echo/main.go", import.meta.url).pathname;
  const r = await new Deno.Command("go", {
    args: ["build", "-o", out, src],
    env: { GOWORK: "off", GOFLAGS: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`go build failed: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

/**
 * Re-encodes each document with Go: one string per document, either the JSON Go writes or
 * `ERROR: <Go's decode error>`.
 */
export async function goReencode(
  docs: ReadonlyArray<{ kind: GoDocKind; doc: string }>,
): Promise<string[]> {
  binary ??= build();
  const bin = await binary;
  // Documents are embedded raw so Go sees exactly these bytes (key case included).
  const input = `[${docs.map((d) => `{"kind":${JSON.stringify(d.kind)},"doc":${d.doc}}`)}]`;
  const child = new Deno.Command(bin, { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const r = await child.output();
  if (!r.success) throw new Error(`go_json_echo failed: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout).split("\n").slice(0, docs.length);
}

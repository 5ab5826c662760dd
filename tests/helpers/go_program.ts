/**
 * Small Go programs that serve as test oracles (Go's own text/template, encoding/json…): each
 * is built once per process with the real `go build` into a temp dir removed at exit, then run
 * with its input on stdin.
 */

const built = new Map<string, Promise<string>>();
const decoder = new TextDecoder();

/** The binary built from `mainGo` (a standard-library-only main package), built on first use. */
export function goProgram(mainGo: URL): Promise<string> {
  let binary = built.get(mainGo.href);
  if (!binary) {
    binary = build(mainGo);
    built.set(mainGo.href, binary);
  }
  return binary;
}

/** Runs the program built from `mainGo` with `input` on stdin; resolves to its stdout. */
export async function runGoProgram(mainGo: URL, input: string): Promise<string> {
  const child = new Deno.Command(await goProgram(mainGo), {
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const r = await child.output();
  if (!r.success) throw new Error(`${nameOf(mainGo)} failed: ${decoder.decode(r.stderr)}`);
  return decoder.decode(r.stdout);
}

async function build(mainGo: URL): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ko-go-program-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const out = `${dir}/${nameOf(mainGo)}`;
  const r = await new Deno.Command("go", {
    args: ["build", "-o", out, mainGo.pathname],
    env: { GOWORK: "off", GOFLAGS: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`go build failed: ${decoder.decode(r.stderr)}`);
  return out;
}

/** The program's directory name (`.../template_oracle/main.go` → `template_oracle`). */
function nameOf(mainGo: URL): string {
  return mainGo.pathname.split("/").at(-2) ?? "go-program";
}

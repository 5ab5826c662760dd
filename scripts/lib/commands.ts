/** Running the programs the benchmarks compare (scripts/bench_*.ts). */
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** Runs `cmd` and returns its stdout; throws with its stderr when it fails. */
export async function output(
  cmd: string,
  args: string[],
  opts: Deno.CommandOptions = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...opts })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** The real ko v0.19.1, built once from the Go module proxy into the test cache. */
export async function realKoBinary(): Promise<string> {
  const script = join(root, "scripts/install-go-tool.sh");
  return (await output("bash", [script, "ko", "github.com/google/ko", "v0.19.1"])).trim();
}

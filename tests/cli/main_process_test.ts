/** Real subprocess runs: main.ts exits with runCli's code, Ctrl-C gives 130 and SIGTERM 143. */
import { equal, match } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

async function deno(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: root,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("main.ts version prints the version and exits 0", async () => {
  const run = await deno(["main.ts", "version"]);
  equal(run.code, 0);
  equal(run.stdout, "0.1.0\n");
  equal(run.stderr, "");
});

Deno.test("main.ts exits 1 with a one-line error when a verb fails", async () => {
  const run = await deno(["main.ts", "build", "--push=false", "./no/such/package"]);
  equal(run.code, 1);
  equal(run.stdout, "");
  match(run.stderr, /^Error: importpath "\.\/no\/such\/package" is not supported: [^\n]+\n$/);
});

Deno.test("main.ts exits 1 on a bad flag, with the usage hint", async () => {
  const run = await deno(["main.ts", "resolve", "--push=perhaps", "-f", "x"]);
  equal(run.code, 1);
  match(run.stderr, /^Error: invalid argument "perhaps" for "--push" flag/);
  match(run.stderr, /\nRun 'ko resolve --help' for usage\.\n$/);
});

for (
  const [signal, message, code] of [
    ["SIGINT", "interrupted", 130],
    ["SIGTERM", "terminated", 143],
  ] as const
) {
  Deno.test(`a real ${signal} aborts the running verb and the process exits ${code}`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tests/cli/fixtures/interrupt_fixture.ts", "build"],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.getReader();
    const dec = new TextDecoder();
    let stderr = "";
    while (!stderr.includes("ready\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      stderr += dec.decode(value, { stream: true });
    }
    child.kill(signal);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      stderr += dec.decode(value, { stream: true });
    }
    const status = await child.status;
    await child.stdout.cancel();
    equal(stderr, `ready\nError: ${message}\n`);
    equal(status.code, code);
  });
}

Deno.test("a closed stdout (ko resolve … | head -1) ends ko quietly with 141, as SIGPIPE ends Go", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-pipe-test-" });
  try {
    // Far more YAML than a pipe buffers, so ko is still writing when the reader goes away.
    const lines = Array.from({ length: 200_000 }, (_, i) => `key${i}: value\n`).join("");
    await Deno.writeTextFile(`${dir}/big.yaml`, lines);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "resolve", "-f", `${dir}/big.yaml`],
      cwd: root,
      env: { KO_DOCKER_REPO: "registry.example/pipe" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    equal(first.done, false);
    await reader.cancel(); // closes our end of the pipe, as head does after its line
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    equal(stderr, "");
    equal(status.code, 141);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { equal, match, ok } from "node:assert/strict";
import { defaultHandlers } from "../../src/cli/handlers.ts";
import type { KoCommand } from "../../src/cli/ko_command.ts";
import { createProgram } from "../../src/cli/program.ts";
import { memoryWriter } from "../../src/util/writer.ts";
import { processContext } from "../../src/commands/context.ts";
import { ko } from "./harness.ts";
import { assertSnapshot } from "./snapshot.ts";

const VERBS = [
  "apply",
  "build",
  "completion",
  "create",
  "delete",
  "deps",
  "help",
  "login",
  "resolve",
  "run",
  "version",
];

function program(): KoCommand {
  const ctx = processContext({ stdout: memoryWriter(), stderr: memoryWriter(), env: {} });
  return createProgram(ctx, defaultHandlers);
}

Deno.test("ko --help matches its snapshot", async () => {
  const run = await ko(["--help"]);
  equal(run.code, 0);
  equal(run.stderr, "");
  await assertSnapshot("ko_help.txt", run.stdout);
});

Deno.test("ko build --help matches its snapshot", async () => {
  const run = await ko(["build", "--help"]);
  equal(run.code, 0);
  await assertSnapshot("ko_build_help.txt", run.stdout);
});

Deno.test("ko resolve --help matches its snapshot", async () => {
  const run = await ko(["resolve", "--help"]);
  equal(run.code, 0);
  await assertSnapshot("ko_resolve_help.txt", run.stdout);
});

Deno.test("ko with no verb prints the help and exits 0", async () => {
  const bare = await ko([]);
  equal(bare.code, 0);
  equal(bare.stdout, (await ko(["--help"])).stdout);
  equal((await ko(["-h"])).stdout, bare.stdout);
  equal((await ko(["help"])).stdout, bare.stdout);
});

Deno.test("ko --help lists every verb with a one-line description", async () => {
  const { stdout } = await ko(["--help"]);
  const section = stdout.split("Available Commands:\n")[1]!.split("\n\n")[0]!;
  const names = section.split("\n").map((l) => l.trim().split(/\s+/)[0]);
  equal(names.join(" "), VERBS.join(" "));
  for (const line of section.split("\n")) match(line, /^ {2}\S+ {2,}\S.*$/);
});

Deno.test("ko help VERB, ko VERB -h and ko -h VERB print the same help", async () => {
  for (const verb of VERBS) {
    const a = await ko(["help", verb]);
    const b = await ko([verb, "-h"]);
    const c = await ko(["-h", verb]);
    equal(a.code, 0, verb);
    equal(a.stdout, b.stdout, verb);
    equal(a.stdout, c.stdout, verb);
    match(a.stdout, new RegExp(`Usage:\\n  ko ${verb}`));
  }
  equal((await ko(["help", "publish"])).stdout, (await ko(["build", "--help"])).stdout);
});

Deno.test("help does not run the verb", async () => {
  const run = await ko(["build", "./x", "--help"]);
  equal(run.code, 0);
  equal(run.calls.length, 0);
});

Deno.test("ko help with an unknown topic fails", async () => {
  const run = await ko(["help", "frobnicate"]);
  equal(run.code, 1);
  match(run.stderr, /^Error: unknown help topic "frobnicate"\n/);
});

Deno.test("every verb's help lists every flag with short form, type and default", async () => {
  for (const cmd of await program().definedCommands()) {
    const { stdout } = await ko([cmd.name(), "--help"]);
    for (const option of cmd.koOptions()) {
      const short = option.shortName();
      const head = short ? `-${short}, --${option.longName()}` : `      --${option.longName()}`;
      const type = option.kind === "bool" ? "" : ` ${option.kind}`;
      ok(stdout.includes(`${head}${type} `), `${cmd.name()}: ${head}${type}`);
    }
    match(stdout, /-h, --help +help for /);
    match(stdout, /Global Flags:\n {2}-v, --verbose +Enable debug logs\n$/);
  }
});

Deno.test("help shows defaults the way pflag does", async () => {
  const { stdout } = await ko(["build", "--help"]);
  match(stdout, /-t, --tags strings +.*\(default \[latest\]\)\n/);
  match(stdout, /--push +.*\(default true\)\n/);
  match(stdout, /--sbom string +.*\(default "spdx"\)\n/);
  equal(/--jobs int .*\(default/.test(stdout), false);
});

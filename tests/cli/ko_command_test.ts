import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import { memoryWriter } from "../../src/util/writer.ts";
import { KoCommand, type RunInput } from "../../src/cli/ko_command.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

/** A root with one verb (alias `b`) that records what it was run with. */
function tree() {
  const out = memoryWriter();
  const runs: Array<{ cmd: string } & RunInput> = [];
  const root = new KoCommand("ko", out).summary("root");
  root.flag({ names: "-v, --verbose", kind: "bool", description: "Verbose" });
  root.onRun((input) => {
    runs.push({ cmd: "ko", ...input });
    return Promise.resolve();
  });
  const verb = new KoCommand("build", out).alias("b").summary("Build");
  verb.flag({ names: "-t, --tags", kind: "strings", default: ["latest"], description: "Tags" });
  verb.onRun((input) => {
    runs.push({ cmd: "build", ...input });
    return Promise.resolve();
  });
  root.addCommand(verb);
  return { root, verb, runs, out };
}

Deno.test("the root dispatches to the verb named by its first operand, aliases included", async () => {
  const { root, verb, runs } = tree();
  await root.execute(["-v", "b", "x", "-t", "a", "--", "-y"]);
  deepEqual(runs, [{ cmd: "build", operands: ["x", "-y"], dashAt: 1 }]);
  deepEqual(verb.flagValue("tags"), ["a"]);
  equal(verb.flagGiven("tags"), true);
  equal(root.flagValue("verbose"), true);
  equal(verb.parent, root);
});

Deno.test("flags keep their defaults until given", async () => {
  const { root, verb } = tree();
  await root.execute(["build"]);
  deepEqual(verb.flagValue("tags"), ["latest"]);
  equal(verb.flagGiven("tags"), false);
  throws(() => verb.flagValue("nope"), /no flag --nope on ko build/);
});

Deno.test("a word that names no verb runs the root with every operand", async () => {
  const { root, runs } = tree();
  await root.execute(["zzz", "--tags", "x"]);
  deepEqual(runs, [{ cmd: "ko", operands: ["zzz", "--tags", "x"], dashAt: -1 }]);
});

Deno.test("operands after a -- given before the verb go to the verb unparsed", async () => {
  const { root, runs } = tree();
  await root.execute(["--", "build", "-t", "x"]);
  deepEqual(runs, [{ cmd: "build", operands: ["-t", "x"], dashAt: -1 }]);
});

Deno.test("a help flag anywhere prints the verb's help instead of running it", async () => {
  const { root, runs, out } = tree();
  await root.execute(["-h", "build", "x"]);
  deepEqual(runs, []);
  equal(out.text().startsWith("Build\n\nUsage:\n  ko build [flags]\n"), true);
});

Deno.test("flag errors are usage errors naming the command", async () => {
  const { root } = tree();
  await rejects(root.execute(["build", "--nope"]), (e: unknown) => {
    equal(e instanceof UsageError, true);
    equal((e as UsageError).command, "ko build");
    equal((e as UsageError).message, "unknown flag: --nope");
    return true;
  });
});

Deno.test("flag declarations are checked", () => {
  const cmd = new KoCommand("x", memoryWriter());
  throws(
    () => cmd.flag({ names: "tags", kind: "bool", description: "" }),
    /bad flag names "tags"/,
  );
  cmd.flag({ names: "--a", kind: "bool", description: "" });
  throws(() => cmd.flag({ names: "--a", kind: "int", description: "" }), /declared twice/);
});

/**
 * The forwarding `process.env` installed with the yaml package: the environment reads and
 * writes through it as before, while the yaml package's two debug switches keep the value
 * they had at start-up.
 */
import { deepEqual, equal } from "node:assert/strict";
import process from "node:process";
import { parse } from "../../src/deps/yaml.ts";
import { pinYamlDebugSwitches } from "../../src/deps/yaml_env.ts";

Deno.test("process.env still reads and writes the real environment", () => {
  pinYamlDebugSwitches(); // already done by importing the yaml package; a second call is a no-op
  const name = "KO_TS_YAML_ENV_TEST";
  try {
    Deno.env.set(name, "one");
    equal(process.env[name], "one");
    equal(name in process.env, true);
    equal(Object.keys(process.env).includes(name), true);
    process.env[name] = "two";
    equal(Deno.env.get(name), "two");
    delete process.env[name];
    equal(Deno.env.get(name), undefined);
    equal(process.env[name], undefined);
    equal(process.env.PATH, Deno.env.get("PATH"));
    deepEqual({ ...process.env }, Deno.env.toObject());
  } finally {
    Deno.env.delete(name);
  }
});

Deno.test("the yaml package's debug switches keep their start-up value", () => {
  const before = process.env.LOG_TOKENS;
  try {
    Deno.env.set("LOG_TOKENS", "1"); // would make the parser print every token
    equal(process.env.LOG_TOKENS, before);
    equal(parse("a: [1, 2]\n").a.length, 2);
  } finally {
    if (before === undefined) Deno.env.delete("LOG_TOKENS");
    else Deno.env.set("LOG_TOKENS", before);
  }
});

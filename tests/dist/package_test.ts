/**
 * ko as a JSR package and as a module graph that resolves on its own: deno.json names the
 * package (name, version, exports, license) and maps no import; there is a LICENSE (Apache-2.0,
 * as ko); `deno publish --dry-run` is clean, slow types included, and ships the layer worker; and
 * the graph of main.ts, read by `deno info` without any configuration, holds no specifier that
 * only an import map, a deno.json or a URL could resolve.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runOk, tempDir } from "../helpers/tools.ts";
import { VERSION } from "../../src/version.ts";
import { ROOT } from "./dist_env.ts";

const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));

Deno.test("deno.json names the package and maps no import; LICENSE is Apache-2.0", async () => {
  equal(config.name, "@ko-ts/ko");
  equal(config.version, VERSION, "deno.json's version is ko version's");
  equal(config.exports, "./main.ts");
  equal(config.license, "Apache-2.0");
  for (const key of ["imports", "importMap", "scopes"]) ok(!(key in config), `no "${key}"`);
  const license = await Deno.readTextFile(join(ROOT, "LICENSE"));
  match(license, /^\s*Apache License\s+Version 2\.0, January 2004\s/);
  match(license, /END OF TERMS AND CONDITIONS/);
});

Deno.test("deno publish --dry-run is clean, slow types included, and ships the layer worker", async () => {
  const out = await runOk(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], {
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  });
  const text = out.stdout + out.stderr;
  match(text, /Checking for slow types in the public API/);
  match(text, /Success Dry run complete/);
  const messages = text.replace(/^\s+file:\/\/.*$/gm, "");
  ok(!/warning|error/i.test(messages), messages);
  const files = [...text.matchAll(/^\s+file:\/\/(\S+) \(/gm)].map((m) => m[1]!.slice(ROOT.length));
  for (const f of ["/LICENSE", "/deno.json", "/main.ts", "/src/layer/layer_worker.ts"]) {
    ok(files.includes(f), `${f} is published`);
  }
  deepEqual(files.filter((f) => /^\/(tests|scripts|examples)\//.test(f)), []);
});

/** A specifier as written in our sources that resolves without configuration. */
const SELF_CONTAINED = [
  /^\.\.?\//, // relative
  /^node:[a-z_/]+$/,
  // npm packages by exact version (a range would resolve differently over time)
  /^npm:(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*@\d+\.\d+\.\d+(\/[\w./-]+)?$/,
];

Deno.test("main.ts's module graph resolves without deno.json: relative, node: and pinned npm: specifiers only", async () => {
  await using tmp = await tempDir("ko-graph-");
  const out = await runOk(
    Deno.execPath(),
    ["info", "--json", "--no-config", join(ROOT, "main.ts")],
    {
      cwd: tmp.path,
    },
  );
  const info = JSON.parse(out.stdout) as {
    modules: Array<{
      specifier: string;
      kind?: string;
      error?: string;
      dependencies?: Array<{
        specifier: string;
        code?: { specifier?: string; error?: string };
        type?: { specifier?: string; error?: string };
      }>;
    }>;
  };
  const problems: string[] = [];
  const files = new Set<string>();
  for (const m of info.modules) {
    if (m.error) problems.push(`${m.specifier}: ${m.error}`);
    if (m.specifier.startsWith("file://")) files.add(m.specifier.slice(`file://${ROOT}/`.length));
    else if (!/^(npm|node):/.test(m.specifier)) {
      problems.push(`not a file, npm or node module: ${m.specifier}`);
    }
    for (const d of m.dependencies ?? []) {
      const err = d.code?.error ?? d.type?.error;
      if (err) problems.push(`${m.specifier} → ${d.specifier}: ${err}`);
      if (!SELF_CONTAINED.some((re) => re.test(d.specifier))) {
        problems.push(`${m.specifier} imports "${d.specifier}"`);
      }
    }
  }
  deepEqual(problems, []);
  // The graph is the whole program: every verb's module (loaded on demand) is in it.
  for (const f of ["main.ts", "src/cli/main.ts", "src/commands/build.ts", "src/deps/yaml.ts"]) {
    ok(files.has(f), f);
  }
  ok([...files].every((f) => f === "main.ts" || f.startsWith("src/")), [...files].join(" "));
});

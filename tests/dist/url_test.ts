/**
 * ko from a URL, as a user runs it without a clone: this checkout served over loopback HTTP (so
 * no deno.json of ours can be found), each command run from a temporary directory with a Deno
 * cache of its own. Every verb gets at least as far as its own checks (so none of the modules
 * loaded on demand fails to resolve), a build's big layer goes through the layer workers
 * (loaded from the URL too), and `deno install` of the URL gives a working `ko`.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { serveDirectory } from "../helpers/file_server.ts";
import { run, type RunResult, tempDir } from "../helpers/tools.ts";
import { VERSION } from "../../src/version.ts";
import { bigBlobs, bigKodataApp, ROOT, userMachine } from "./dist_env.ts";

/** A verb run from the URL: its arguments and what shows it reached its own code. */
interface VerbCheck {
  args: string[];
  stdin?: string;
  expect: (r: RunResult) => void;
}

/** One line on stderr saying kubectl is needed for `verb` (there is none on this PATH). */
const needsKubectl = (verb: string) => (r: RunResult) => {
  equal(r.code, 1);
  match(r.stderr, new RegExp(`^Error: [^\\n]*kubectl is not available[^\\n]*ko ${verb}\\n$`));
};

Deno.test("ko runs from a URL with no deno.json: every verb, a build through the workers, resolve -f, deno install", async (t) => {
  await using server = serveDirectory(ROOT);
  await using tmp = await tempDir("ko-url-");
  const machine = await userMachine(tmp.path, { programs: ["go", "deno", "bash"] });
  const app = await bigKodataApp(join(tmp.path, "app"));
  const main = `${server.url}main.ts`;
  const ko = (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) =>
    run(Deno.execPath(), ["run", "-A", "--quiet", main, ...args], {
      cwd: app,
      env: { ...machine.env, ...opts.env },
      clearEnv: true,
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    });

  await t.step("version", async () => {
    const r = await ko(["version"]);
    deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  await t.step("build with a .ko.yaml, its 6 MiB kodata layer compressed by a worker", async () => {
    const layout = join(tmp.path, "layout");
    const r = await ko(["build", "--push=false", "--oci-layout-path", layout, "."]);
    equal(r.code, 0, r.stderr);
    match(r.stdout, new RegExp(`^${layout}@sha256:[0-9a-f]{64}\\n$`));
    ok(server.requests.includes("/src/deps/yaml.ts"), "the .ko.yaml was read with yaml");
    ok(server.requests.includes("/src/layer/layer_worker.ts"), "a layer worker was started");
    equal((await bigBlobs(layout)).length, 1, "the kodata layer is in the layout");
  });

  await t.step("resolve -f of a YAML file", async () => {
    const r = await ko(["resolve", "--push=false", "-f", "pod.yaml"]);
    equal(r.code, 0, r.stderr);
    match(r.stdout, /\n {6}image: \S+@sha256:[0-9a-f]{64}\n/);
    ok(!r.stdout.includes("ko://"));
  });

  const dockerConfig = join(tmp.path, "docker");
  const verbs: Record<string, VerbCheck> = {
    apply: { args: ["apply", "-f", "pod.yaml"], expect: needsKubectl("apply") },
    create: { args: ["create", "-f", "pod.yaml"], expect: needsKubectl("create") },
    delete: { args: ["delete", "-f", "pod.yaml"], expect: needsKubectl("delete") },
    run: { args: ["run", "example.com/big"], expect: needsKubectl("run") },
    login: {
      args: ["login", "127.0.0.1:5999", "-u", "me", "--password-stdin"],
      stdin: "secret\n",
      expect: (r) => equal(r.code, 0, r.stderr),
    },
    deps: {
      args: ["deps", "."],
      expect: (r) => {
        equal(r.code, 0, r.stderr);
        match(r.stdout, /^example\.com\/big /);
      },
    },
    completion: {
      args: ["completion", "bash"],
      expect: (r) => {
        equal(r.code, 0, r.stderr);
        match(r.stdout, /bash completion for ko/);
      },
    },
    help: {
      args: ["help", "build"],
      expect: (r) => {
        equal(r.code, 0, r.stderr);
        match(r.stdout, /ko build/);
      },
    },
  };

  await t.step("every other verb reaches its own checks", async () => {
    const help = await ko(["--help"]);
    equal(help.code, 0, help.stderr);
    const commands = help.stdout.split("Available Commands:\n")[1]!.split("\n\n")[0]!;
    const listed = [...commands.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
    deepEqual(listed.sort(), [...Object.keys(verbs), "build", "resolve", "version"].sort());
    for (const [verb, check] of Object.entries(verbs)) {
      const r = await ko(check.args, {
        env: { DOCKER_CONFIG: dockerConfig },
        ...(check.stdin !== undefined ? { stdin: check.stdin } : {}),
      });
      try {
        check.expect(r);
      } catch (err) {
        throw new Error(`ko ${verb}: ${(err as Error).message}\n${r.stderr}`);
      }
    }
    const config = JSON.parse(await Deno.readTextFile(join(dockerConfig, "config.json")));
    ok(config.auths["127.0.0.1:5999"], "ko login wrote the credentials");
  });

  await t.step(
    "README's URL and deno install commands, as written, then the installed ko",
    async () => {
      const readme = await Deno.readTextFile(join(ROOT, "README.md"));
      const install = readme.slice(readme.indexOf("## Install\n"), readme.indexOf("## Using it\n"));
      const commands = [...install.matchAll(/^\| [^|]+ \| `([^`]+)`\s+\|/gm)].map((m) => m[1]!);
      const fromUrl = commands.find((c) => c.startsWith("deno run "));
      const denoInstall = commands.find((c) => c.startsWith("deno install "));
      ok(fromUrl?.startsWith("deno run -A $KO_URL/main.ts "), fromUrl);
      ok(denoInstall, "a deno install command");
      const env = { ...machine.env, KO_URL: server.url.replace(/\/$/, "") };
      const shell = (script: string) =>
        run("bash", ["-c", script], { cwd: app, env, clearEnv: true });

      const v = await shell(fromUrl!.replace(/main\.ts .*$/, "main.ts version"));
      deepEqual(v, { code: 0, stdout: `${VERSION}\n`, stderr: "" });

      const installed = await shell(denoInstall!);
      equal(installed.code, 0, installed.stderr);
      const ko = join(machine.home, ".deno", "bin", "ko");
      const r = await run(ko, ["version"], { cwd: app, env: machine.env, clearEnv: true });
      deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
      const layout = join(tmp.path, "installed-layout");
      const b = await run(ko, ["build", "--push=false", "--oci-layout-path", layout, "."], {
        cwd: app,
        env: machine.env,
        clearEnv: true,
      });
      equal(b.code, 0, b.stderr);
      match(b.stdout, new RegExp(`^${layout}@sha256:[0-9a-f]{64}\\n$`));
    },
  );
});

Deno.test("a URL that is not a whole copy of ko gives one line saying so", async () => {
  await using tmp = await tempDir("ko-url-partial-");
  const copy = join(tmp.path, "site");
  await Deno.mkdir(join(copy, "src"), { recursive: true });
  await Deno.copyFile(join(ROOT, "main.ts"), join(copy, "main.ts"));
  await Deno.copyFile(join(ROOT, "src", "version.ts"), join(copy, "src", "version.ts"));
  await using server = serveDirectory(copy);
  const machine = await userMachine(tmp.path);
  const r = await run(
    Deno.execPath(),
    ["run", "-A", "--quiet", `${server.url}main.ts`, "version"],
    {
      cwd: tmp.path,
      env: machine.env,
      clearEnv: true,
    },
  );
  equal(r.code, 1);
  equal(r.stdout, "");
  equal(
    r.stderr,
    `Error: ${server.url} is not a complete copy of ko ` +
      `(Module not found "${server.url}src/cli/main.ts".)\n`,
  );
});

/**
 * A build tool talks only to the registries it is told about. `ko build` through the launcher,
 * with a base image and the target on a loopback registry, and every proxy variable pointing at
 * a proxy that records whatever reaches it: nothing does (loopback is never proxied, so anything
 * recorded went elsewhere). Deno itself would otherwise check for updates during the build
 * (`CONNECT dl.deno.land:443`): a ko run without the launcher shows the proxy sees it.
 * Deno's cache is a fresh one sharing only the npm packages, so Deno has no record of a recent
 * update check.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { startRecordingProxy } from "../helpers/recording_proxy.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { run, tempDir, waitFor } from "../helpers/tools.ts";
import { bigKodataApp, ROOT, userMachine } from "./dist_env.ts";

Deno.test("ko build through the launcher with a loopback registry makes no other connection", async (t) => {
  await using registry = await startRegistry();
  const bases = await pushFixtureBases(registry);
  await using tmp = await tempDir("ko-offline-");
  await using proxy = startRecordingProxy();
  const machine = await userMachine(tmp.path, {
    programs: ["bash", "readlink", "dirname", "grep", "mkdir", "go"],
  });
  const app = await bigKodataApp(join(tmp.path, "app"));
  await Deno.writeTextFile(join(app, ".ko.yaml"), `defaultBaseImage: ${bases.ociImage.ref}\n`);
  const env = { ...machine.env, ...proxy.env, KO_DOCKER_REPO: `${registry.host}/offline` };

  await t.step("through the launcher: nothing reaches the proxy", async () => {
    const r = await run(join(ROOT, "ko"), ["build", "."], { cwd: app, env, clearEnv: true });
    equal(r.code, 0, r.stderr);
    match(
      r.stdout,
      new RegExp(`^${registry.host}/offline/big-[0-9a-f]{32}@sha256:[0-9a-f]{64}\\n$`),
    );
    deepEqual(proxy.requests, []);
  });

  // Deno checks for updates half a second or so into a run, so a quick build may end before
  // it would. A ko that waits on stdin (`login --password-stdin`) runs as long as needed:
  // without the launcher the check shows up at the proxy (the event waited for); through it,
  // nothing does in twice that time (an absence cannot be waited for otherwise).
  const login = ["login", "127.0.0.1:5999", "-u", "me", "--password-stdin"];
  const loginEnv = { ...env, DOCKER_CONFIG: join(tmp.path, "docker") };
  let checkAfterMs = 0;

  await t.step("without the launcher, Deno's update check reaches the proxy", async () => {
    const seen = proxy.requests.length;
    const started = performance.now();
    const ko = spawnWaiting(
      Deno.execPath(),
      ["run", "-A", join(ROOT, "main.ts"), ...login],
      app,
      loginEnv,
    );
    try {
      await waitFor(
        "Deno's update check at the proxy",
        () =>
          Promise.resolve(
            proxy.requests.slice(seen).some((l) => l.startsWith("CONNECT dl.deno.land:443 ")) ||
              undefined,
          ),
      );
      checkAfterMs = performance.now() - started;
    } finally {
      equal((await ko.finish("secret\n")).code, 0);
    }
  });

  await t.step("through the launcher, in twice that time, nothing reaches the proxy", async () => {
    const seen = proxy.requests.length;
    const ko = spawnWaiting(join(ROOT, "ko"), login, app, loginEnv);
    const deadline = performance.now() + 2 * checkAfterMs;
    await waitFor("the deadline", () => Promise.resolve(performance.now() > deadline || undefined));
    const r = await ko.finish("secret\n");
    equal(r.code, 0, r.stderr);
    deepEqual(proxy.requests.slice(seen), []);
  });
});

/** A process started with its stdin open; `finish` writes the input, closes it and waits. */
function spawnWaiting(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    async finish(input: string) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
      const out = await child.output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    },
  };
}

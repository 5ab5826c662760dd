/**
 * The launcher `./ko`: it runs from a chain of symlinks and from any directory, finds the pinned
 * Deno from its stamp (no `deno --version` per call), turns Deno's update check off, says in
 * one line what to install when there is neither Deno nor npm, and scripts/install.sh puts it
 * on PATH. Where the question is what the launcher runs, a recording stand-in takes Deno's
 * place (the real Deno cannot tell how often or with what environment it was started).
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { run, runOk, tempDir } from "../helpers/tools.ts";
import { MINIMUM_DENO_VERSION, VERSION } from "../../src/version.ts";
import { bigBlobs, bigKodataApp, ROOT, userMachine } from "./dist_env.ts";

/** What the launcher and scripts/ensure-deno.sh use besides Deno (and go, for builds). */
const SHELL_TOOLS = ["bash", "readlink", "dirname", "grep", "mkdir", "ln", "go"];

/** The Deno version scripts/ensure-deno.sh pins. */
async function pinnedDenoVersion(): Promise<string> {
  const script = await Deno.readTextFile(join(ROOT, "scripts", "ensure-deno.sh"));
  return /^DENO_VERSION=(\S+)$/m.exec(script)![1]!;
}

/** A checkout holding only the launcher and scripts/ensure-deno.sh (nothing installed). */
async function bareCheckout(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "scripts"), { recursive: true });
  await Deno.copyFile(join(ROOT, "ko"), join(dir, "ko"));
  await Deno.copyFile(
    join(ROOT, "scripts", "ensure-deno.sh"),
    join(dir, "scripts", "ensure-deno.sh"),
  );
  await Deno.chmod(join(dir, "ko"), 0o755);
  await Deno.chmod(join(dir, "scripts", "ensure-deno.sh"), 0o755);
  return dir;
}

/** A stand-in `deno` that logs each call (arguments and DENO_NO_UPDATE_CHECK) to `log`. */
async function recordingDeno(dir: string, version: string, log: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "deno");
  await Deno.writeTextFile(
    path,
    `#!/usr/bin/env bash\n` +
      `echo "$* [DENO_NO_UPDATE_CHECK=\${DENO_NO_UPDATE_CHECK-unset}]" >>'${log}'\n` +
      `if [ "$1" = --version ]; then echo "deno ${version} (stable, release, x86_64-unknown-linux-gnu)"; fi\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

async function takeLog(log: string): Promise<string[]> {
  const text = await Deno.readTextFile(log).catch(() => "");
  await Deno.writeTextFile(log, "");
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("the launcher runs ko through a chain of symlinks, from another directory", async () => {
  await using tmp = await tempDir("ko-launcher-");
  const machine = await userMachine(tmp.path, { programs: SHELL_TOOLS });
  const app = await bigKodataApp(join(tmp.path, "app"));
  // ~/bin/ko → (relative) ../links/ko → <checkout>/ko
  await Deno.mkdir(join(tmp.path, "links"));
  await Deno.symlink(join(ROOT, "ko"), join(tmp.path, "links", "ko"));
  await Deno.symlink("../links/ko", join(machine.bin, "ko"));
  const env = { ...machine.env };
  const v = await run(join(machine.bin, "ko"), ["version"], { cwd: app, env, clearEnv: true });
  deepEqual(v, { code: 0, stdout: `${VERSION}\n`, stderr: "" });

  const layout = join(tmp.path, "layout");
  const b = await run(join(machine.bin, "ko"), [
    "build",
    "--push=false",
    "--oci-layout-path",
    layout,
    ".",
  ], {
    cwd: app,
    env,
    clearEnv: true,
  });
  equal(b.code, 0, b.stderr);
  match(b.stdout, new RegExp(`^${layout}@sha256:[0-9a-f]{64}\\n$`));
  equal((await bigBlobs(layout)).length, 1);

  // Started by a relative path, and as `bash ko` (no slash in its own name).
  const rel = await run("./ko", ["version"], { cwd: ROOT, env, clearEnv: true });
  equal(rel.stdout, `${VERSION}\n`, rel.stderr);
  const viaBash = await run(join(machine.bin, "bash"), ["ko", "version"], {
    cwd: ROOT,
    env,
    clearEnv: true,
  });
  equal(viaBash.stdout, `${VERSION}\n`, viaBash.stderr);
});

Deno.test("the launcher reads the pinned Deno from its stamp, checks the version only when the stamp is stale, and turns Deno's update check off", async () => {
  await using tmp = await tempDir("ko-launcher-stamp-");
  const checkout = await bareCheckout(join(tmp.path, "checkout"));
  const log = join(tmp.path, "deno.log");
  const version = await pinnedDenoVersion();
  const fakeBin = join(tmp.path, "fake-bin");
  const deno = await recordingDeno(fakeBin, version, log);
  const machine = await userMachine(tmp.path, { programs: SHELL_TOOLS });
  const env = { ...machine.env, PATH: `${fakeBin}:${machine.bin}` };
  const ko = () => runOk(join(checkout, "ko"), ["version"], { cwd: tmp.path, env, clearEnv: true });
  const runLine =
    `run -A --quiet --no-prompt --unstable-lazy-dynamic-imports ${checkout}/main.ts version ` +
    "[DENO_NO_UPDATE_CHECK=1]";

  await ko();
  deepEqual(await takeLog(log), [`--version [DENO_NO_UPDATE_CHECK=1]`, runLine], "first call");
  const stamp = join(checkout, ".tools", "deno-path");
  equal(await Deno.readTextFile(stamp), `${deno}\n`);

  await ko();
  await ko();
  deepEqual(await takeLog(log), [runLine, runLine], "with the stamp: no deno --version");

  // ensure-deno.sh changed after the stamp was written (a new pinned version, say): check again.
  const past = new Date(Date.now() - 3600_000);
  await Deno.utime(stamp, past, past);
  await ko();
  deepEqual(await takeLog(log), [`--version [DENO_NO_UPDATE_CHECK=1]`, runLine], "stale stamp");

  // The Deno it names is gone: find one again.
  await Deno.writeTextFile(stamp, join(tmp.path, "no-such-deno\n"));
  await ko();
  deepEqual(await takeLog(log), [`--version [DENO_NO_UPDATE_CHECK=1]`, runLine], "missing Deno");
});

Deno.test("without Deno and without npm the launcher says in one line what to install", async (t) => {
  await using tmp = await tempDir("ko-launcher-nothing-");
  const checkout = await bareCheckout(join(tmp.path, "checkout"));
  const machine = await userMachine(tmp.path, { programs: SHELL_TOOLS });
  const version = await pinnedDenoVersion();
  const expected = new RegExp(
    `^ko needs Deno ${version.replaceAll(".", "\\.")}: install it \\(https://[^ ]+\\), ` +
      `or install Node\\.js with npm so that ko can install it into ${checkout}/\\.tools\\n$`,
  );
  await t.step("no deno at all", async () => {
    const r = await run(join(checkout, "ko"), ["version"], {
      cwd: tmp.path,
      env: machine.env,
      clearEnv: true,
    });
    equal(r.code, 1);
    equal(r.stdout, "");
    match(r.stderr, expected);
  });
  await t.step("a deno of another version", async () => {
    const fakeBin = join(tmp.path, "other-deno");
    await recordingDeno(fakeBin, "2.0.0", join(tmp.path, "deno.log"));
    const env = { ...machine.env, PATH: `${fakeBin}:${machine.bin}` };
    const r = await run(join(checkout, "ko"), ["version"], { cwd: tmp.path, env, clearEnv: true });
    equal(r.code, 1);
    match(r.stderr, expected);
    ok(!(await Deno.readTextFile(join(tmp.path, "deno.log"))).includes("run "), "never ran it");
  });
});

Deno.test("scripts/install.sh links ko into a PATH directory, and refuses to replace another program", async () => {
  await using tmp = await tempDir("ko-install-");
  const machine = await userMachine(tmp.path, { programs: SHELL_TOOLS });
  const target = join(tmp.path, "local-bin");
  const env = { ...machine.env, PATH: `${target}:${machine.bin}` };
  const out = await runOk(join(ROOT, "scripts", "install.sh"), [target], { env, clearEnv: true });
  equal(out.stdout, `installed ${target}/ko -> ${ROOT}/ko\n`);
  equal(await Deno.readLink(join(target, "ko")), join(ROOT, "ko"));
  // Found on PATH by a shell, as a user types it.
  const r = await run(join(machine.bin, "bash"), ["-c", "ko version"], {
    cwd: tmp.path,
    env,
    clearEnv: true,
  });
  deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: "" });

  const taken = join(tmp.path, "taken");
  await Deno.mkdir(taken);
  await Deno.writeTextFile(join(taken, "ko"), "#!/bin/sh\necho another ko\n");
  const refused = await run(join(ROOT, "scripts", "install.sh"), [taken], { env, clearEnv: true });
  equal(refused.code, 1);
  match(
    refused.stderr,
    /^install\.sh: \S+\/taken\/ko exists and is not a link to a ko launcher; [^\n]+\n$/,
  );
  equal(await Deno.readTextFile(join(taken, "ko")), "#!/bin/sh\necho another ko\n");
});

Deno.test("the launcher pins the Deno that main.ts requires", async () => {
  equal(await pinnedDenoVersion(), MINIMUM_DENO_VERSION);
});

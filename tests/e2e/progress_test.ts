/**
 * What a user sees while ko works (issue: terminal experience), end to end with real builds
 * against a real registry: plain logs name the platform of each line, quiet runs print results
 * only, stdout is the same in every mode, `--timings` prints the breakdown; and on a real
 * terminal (tmux) the live view shows each platform's phase and upload bytes, ends with the
 * plain run's final lines, and gives the terminal back after Ctrl-C. Uploads go through a
 * throttling loopback forwarder so that they last long enough to be seen.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeGoApp } from "../helpers/go_app.ts";
import { ko } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { startThrottleProxy } from "../helpers/throttle_proxy.ts";
import { run, tempDir, waitFor } from "../helpers/tools.ts";

const MAIN = 'package main\n\nfunc main() { println("progress") }\n';
const ROOT = new URL("../../", import.meta.url).pathname;

/** A Go app whose kodata holds `size` random (incompressible) bytes. */
async function app(dir: string, size: number): Promise<string> {
  const src = await writeGoApp(dir, {
    module: "example.com/progress",
    files: { "cmd/app/main.go": MAIN },
  });
  await Deno.mkdir(join(src, "cmd/app/kodata"), { recursive: true });
  const data = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) {
    crypto.getRandomValues(data.subarray(off, Math.min(size, off + 65536)));
  }
  await Deno.writeFile(join(src, "cmd/app/kodata/blob.bin"), data);
  return src;
}

Deno.test("plain logs label platform lines; quiet prints results only; stdout is the same", async () => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const src = await app(join(tmp.path, "src"), 1000);
  const env = {
    KO_DOCKER_REPO: `${registry.host}/progress`,
    KO_DEFAULTBASEIMAGE: "scratch",
    XDG_CACHE_HOME: join(tmp.path, "cache"),
  };
  const args = ["build", "--platform=linux/amd64,linux/arm64", "./cmd/app"];
  // A build config: its "Using build config" line is a log line quiet runs leave out too.
  await Deno.writeTextFile(join(src, ".ko.yaml"), "builds:\n- id: app\n  main: ./cmd/app\n");
  // Without SBOMs every pushed blob is a platform's: none may go unlabelled.
  const plain = await ko([...args, "--sbom=none", "--progress=plain", "--timings"], {
    cwd: src,
    env,
  });
  equal(plain.code, 0, plain.stderr);
  const lines = plain.stderr.split("\n").map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \S+ /, ""));
  // Every line that belongs to one platform says which.
  for (const p of ["linux/amd64", "linux/arm64"]) {
    ok(lines.includes(`[${p}] Building example.com/progress/cmd/app for ${p}`), plain.stderr);
    ok(lines.some((l) => l.startsWith(`[${p}] pushed blob: sha256:`)), plain.stderr);
    ok(lines.some((l) => l.startsWith(`[${p}] ${registry.host}/progress/app-`)), plain.stderr);
  }
  for (const l of lines.filter((l) => /^(Building|pushed blob|existing blob)/.test(l))) {
    ok(false, `unlabelled platform line: ${l}`);
  }
  // --timings: one line per phase, and the total.
  match(plain.stderr, /^timings \(ms\):$/m);
  for (
    const row of [
      /^\s+start-up\s/m,
      /^\s+go list \.\/cmd\/app\s/m,
      /^\s+config\s/m,
      /^\s+go build app linux\/amd64\s/m,
      /^\s+layers app linux\/arm64\s/m,
      /^\s+upload sha256:[0-9a-f]{12}… /m,
      /^\s+total\s+\d+$/m,
    ]
  ) match(plain.stderr, row);

  const quiet = await ko([...args, "--sbom=none", "--progress=quiet"], { cwd: src, env });
  equal(quiet.code, 0, quiet.stderr);
  equal(quiet.stderr, "");
  equal(quiet.stdout, plain.stdout);

  // With SBOMs, each platform's SBOM is published as that platform's.
  const sboms = await ko([...args, "--progress=plain"], { cwd: src, env });
  equal(sboms.code, 0, sboms.stderr);
  for (const p of ["linux/amd64", "linux/arm64"]) {
    match(sboms.stderr, new RegExp(`\\[${p}\\] Published SBOM `));
  }
});

/** A tmux session running `command`, read with capture-pane. */
async function tmuxSession(name: string, command: string) {
  await run("tmux", ["new-session", "-d", "-s", name, "-x", "100", "-y", "30", command]);
  // Lines the terminal wrapped (those filling all 100 columns) are read back whole.
  const screen = async () =>
    (await run("tmux", ["capture-pane", "-p", "-t", name])).stdout
      .split("\n")
      .map((line) => line.length === 100 ? line : line + "\n")
      .join("");
  return {
    screen,
    /** Waits until the screen matches `re`, and returns it. */
    until: (what: string, re: RegExp) =>
      waitFor(what, async () => {
        const s = await screen();
        return re.test(s) ? s : undefined;
      }, { timeoutMs: 120_000 }),
    keys: (...keys: string[]) => run("tmux", ["send-keys", "-t", name, ...keys]),
    cursorVisible: async () =>
      (await run("tmux", ["display-message", "-p", "-t", name, "#{cursor_flag}"])).stdout.trim() ===
        "1",
    [Symbol.asyncDispose]: async () => {
      await run("tmux", ["kill-session", "-t", name]);
    },
  };
}

Deno.test({
  ...requires(
    "a terminal shows the live view, its final lines, and gets its cursor back after Ctrl-C",
    programsMissing("tmux"),
  ),
  async fn() {
    await using registry = await startRegistry();
    await using slow = startThrottleProxy(registry.host, 1_000_000);
    await using tmp = await tempDir();
    const src = await app(join(tmp.path, "src"), 3_000_000);
    const env = [
      `KO_DOCKER_REPO=${slow.host}/live`,
      "KO_DEFAULTBASEIMAGE=scratch",
      `XDG_CACHE_HOME=${join(tmp.path, "cache")}`,
      "TERM=xterm",
      "DENO_NO_UPDATE_CHECK=1",
    ].join(" ");
    const koCommand = `env ${env} ${Deno.execPath()} run -A ${ROOT}main.ts build ` +
      `--platform=linux/amd64,linux/arm64 ./cmd/app`;
    const session = `ko-progress-${Deno.pid}`;

    {
      await using term = await tmuxSession(
        session,
        `cd ${src} && ${koCommand}; echo EXIT=$?; sleep 600`,
      );
      const live = await term.until(
        "the live view with upload bytes",
        /uploading\s+[\d.]+ [kM]?B\/[\d.]+ MB/,
      );
      match(live, /^app linux\/amd64\s/m);
      match(live, /^app linux\/arm64\s/m);
      match(live, /\d+(\.\d)?(ms|s)\s*$/m); // the elapsed time of each line
      ok(!/\[linux\/(amd64|arm64)\]/.test(live), "no plain log lines under the live view");
      const end = await term.until("ko to exit", /EXIT=\d+/);
      match(end, /EXIT=0/);
      // The plain run's final line, then the reference on stdout.
      match(
        end,
        /Published \S+\/live\/app-[0-9a-f]{32}@sha256:[0-9a-f]{64}\n\S+\/live\/app-[0-9a-f]{32}@sha256:[0-9a-f]{64}\nEXIT=0/,
      );
      ok(!/\bgo build\b|\bwaiting\b|\buploading\b/.test(end), "the view is gone");
      ok(await term.cursorVisible(), "the cursor is shown");
    }

    // Another build (new kodata, so new uploads), interrupted while it uploads.
    await Deno.writeFile(
      join(src, "cmd/app/kodata/blob.bin"),
      crypto.getRandomValues(new Uint8Array(60_000)),
    );
    await Deno.writeFile(
      join(src, "cmd/app/kodata/more.bin"),
      new Uint8Array(3_000_000).map((_, i) => (i * 7919) % 251),
    );
    {
      await using term = await tmuxSession(
        `${session}-c`,
        `cd ${src} && ${koCommand}; echo EXIT=$?; sleep 600`,
      );
      await term.until("an upload to start", /uploading/);
      await term.keys("C-c");
      const end = await term.until("ko to exit", /EXIT=\d+/);
      match(end, /Error: interrupted/);
      match(end, /EXIT=130/);
      ok(await term.cursorVisible(), "Ctrl-C gave the cursor back");
    }

    // A dumb terminal gets plain lines.
    {
      const dumb = koCommand.replace("TERM=xterm", "TERM=dumb") + " --push=false";
      await using term = await tmuxSession(
        `${session}-d`,
        `cd ${src} && ${dumb}; echo EXIT=$?; sleep 600`,
      );
      const end = await term.until("ko to exit", /EXIT=\d+/);
      match(end, /^\d{4}\/\d\d\/\d\d \S+ \[linux\/amd64\] Building /m);
      match(end, /EXIT=0/);
    }
  },
});

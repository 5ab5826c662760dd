/**
 * `--watch` with real file edits and real go builds: an edit to one app of two rebuilds that
 * one only, an edit to its kodata rebuilds its image, a syntax error is reported and the next
 * save recovers, a changed YAML input is resolved again, and stopping (Ctrl-C) leaves no go
 * build behind.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.ts";
import { memoryWriter } from "../../src/util/writer.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { baseEnv } from "../helpers/ko_cli.ts";
import { stdinFrom } from "../helpers/stdin.ts";
import { tempDir, waitFor } from "../helpers/tools.ts";

const main = (word: string) => `package main\n\nfunc main() { println("${word}") }\n`;

/** ko running in this process until stopped, with its output readable meanwhile. */
function startKo(args: string[], cwd: string, env: Record<string, string>) {
  const stdout = memoryWriter();
  const stderr = memoryWriter();
  const stop = new AbortController();
  const done = runCli(args, {
    cwd,
    env: { ...baseEnv(), ...env },
    stdout,
    stderr,
    stdin: stdinFrom(""),
    signal: stop.signal,
  });
  const rounds = () => stderr.text().split("Watching for changes").length - 1;
  return {
    stdout,
    stderr,
    rounds,
    /** Waits for the `n`th "Watching for changes" (round `n` done). */
    round: (n: number) =>
      waitFor(`round ${n}`, () => Promise.resolve(rounds() >= n ? true : undefined), {
        timeoutMs: 120_000,
      }),
    stop: async () => {
      stop.abort(new DOMException("interrupted", "AbortError"));
      return await done;
    },
  };
}

/** `Building <import path> for …` lines logged since `from` characters of stderr. */
function builtSince(stderr: string, from: number): string[] {
  return [...stderr.slice(from).matchAll(/Building (\S+) for /g)].map((m) => m[1]!).sort();
}

Deno.test("build --watch rebuilds exactly what changed, survives a syntax error, and stops cleanly", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/w",
    files: {
      "cmd/a/main.go": main("a"),
      "cmd/b/main.go": main("b"),
      "cmd/b/kodata/note.txt": "one\n",
    },
  });
  const env = { KO_DEFAULTBASEIMAGE: "scratch", XDG_CACHE_HOME: join(tmp.path, "cache") };
  const ko = startKo(["build", "--watch", "--push=false", "./cmd/a", "./cmd/b"], src, env);
  try {
    await ko.round(1);
    const first = ko.stdout.text().trim().split("\n");
    equal(first.length, 2, ko.stderr.text());
    deepEqual(builtSince(ko.stderr.text(), 0), ["example.com/w/cmd/a", "example.com/w/cmd/b"]);

    // An edit to a: only a is rebuilt; every reference is printed again, b's unchanged.
    let mark = ko.stderr.text().length;
    await Deno.writeTextFile(join(src, "cmd/a/main.go"), main("a2"));
    await ko.round(2);
    deepEqual(builtSince(ko.stderr.text(), mark), ["example.com/w/cmd/a"]);
    const second = ko.stdout.text().trim().split("\n").slice(2);
    equal(second.length, 2);
    ok(second[0] !== first[0], "a has a new digest");
    equal(second[1], first[1], "b is as it was");

    // An edit to b's kodata rebuilds b.
    mark = ko.stderr.text().length;
    await Deno.writeTextFile(join(src, "cmd/b/kodata/note.txt"), "two\n");
    await ko.round(3);
    deepEqual(builtSince(ko.stderr.text(), mark), ["example.com/w/cmd/b"]);

    // A syntax error is reported, and watching goes on; the next save recovers.
    mark = ko.stderr.text().length;
    await Deno.writeTextFile(join(src, "cmd/a/main.go"), "package main\n\nfunc main() {\n");
    await ko.round(4);
    match(ko.stderr.text().slice(mark), /Error: error building "\.\/cmd\/a": .*expected }/s);
    const printed = ko.stdout.text();
    mark = ko.stderr.text().length;
    await Deno.writeTextFile(join(src, "cmd/a/main.go"), main("a3"));
    await ko.round(5);
    deepEqual(builtSince(ko.stderr.text(), mark), ["example.com/w/cmd/a"]);
    ok(ko.stdout.text().length > printed.length, "the recovered round printed its references");
  } finally {
    const code = await ko.stop();
    equal(code, 130); // Ctrl-C's exit status
  }
  // Nothing of ours is still running: no go build in this test's directories.
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
  const running = new TextDecoder().decode(ps.stdout).split("\n")
    .filter((l) => l.includes(tmp.path) && /\bgo\b/.test(l));
  deepEqual(running, []);
});

Deno.test("resolve --watch resolves again when a YAML input changes, rebuilding nothing unchanged", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/r",
    files: { "cmd/app/main.go": main("r") },
  });
  const yaml = join(src, "app.yaml");
  await Deno.writeTextFile(yaml, "image: ko://example.com/r/cmd/app\n");
  const env = { KO_DEFAULTBASEIMAGE: "scratch", XDG_CACHE_HOME: join(tmp.path, "cache") };
  const ko = startKo(["resolve", "--watch", "--push=false", "-f", yaml], src, env);
  try {
    await ko.round(1);
    match(ko.stdout.text(), /^image: app-[0-9a-f]{32}:latest@sha256:/);
    const mark = ko.stderr.text().length;
    await Deno.writeTextFile(yaml, "name: x\nimage: ko://example.com/r/cmd/app\n");
    await ko.round(2);
    match(ko.stdout.text(), /---\nname: x\nimage: app-[0-9a-f]{32}:latest@sha256:/);
    deepEqual(builtSince(ko.stderr.text(), mark), [], "the image was not rebuilt");
  } finally {
    await ko.stop();
  }
});

Deno.test("--watch refuses standard input, which it cannot read again", async () => {
  await using tmp = await tempDir();
  const ko = startKo(["resolve", "--watch", "-f", "-"], tmp.path, {});
  const code = await waitFor("ko to exit", () => Promise.resolve(ko.stderr.text() || undefined));
  match(code, /^Error: --watch cannot read standard input again \(-f -\): name the YAML files\n$/);
  await ko.stop();
});

/**
 * Stopping a running `go build` (src/go/go_runner.ts, src/go/go_command.ts): when another
 * platform of a multi-platform build fails, or the user presses Ctrl-C, the go build is
 * stopped, and go, killed by a signal, never removes its `go-build*` work directory. ko runs it
 * in a GOTMPDIR of its own (inside the user's GOTMPDIR or TMPDIR) and removes that, so nothing
 * is left behind. A real go build on a cold build cache, so that it is busy when stopped.
 */
import { deepEqual, rejects } from "node:assert/strict";
import { join } from "node:path";
import { GoRunner } from "../../src/go/go_runner.ts";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { tempDir } from "../helpers/tools.ts";

/** Names in a directory. */
async function list(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** go's `go-build*` work directory under `dir` (at most two levels down). */
async function findWorkDir(dir: string, depth = 2): Promise<string | undefined> {
  for (const name of await list(dir).catch(() => [])) {
    const path = join(dir, name);
    if (name.startsWith("go-build")) return path;
    if (depth > 1) {
      const found = await findWorkDir(path, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("a stopped go build leaves no work directory behind", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/slow",
    files: { "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { _ = http.Get }\n' },
  });
  const goTmp = join(tmp.path, "gotmp");
  await Deno.mkdir(goTmp);
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? tmp.path,
    GOCACHE: join(tmp.path, "gocache"), // cold: the standard library is compiled first
    GOTMPDIR: goTmp, // where go makes its go-build* work directory
    GOFLAGS: "-mod=mod",
    CGO_ENABLED: "0",
    GOOS: "linux",
    GOARCH: "amd64",
  };
  const stop = new AbortController();
  const build = new GoRunner(1).build(
    {
      goPath: "go",
      dir: src,
      args: ["build", "-trimpath", "-o", join(tmp.path, "out"), "example.com/slow"],
      env,
    },
    { label: "example.com/slow", report: LOG_ONLY, signal: stop.signal },
  );
  build.catch(() => {}); // awaited below
  // Compilers are running once go's work directory has package outputs in it.
  await waitFor("go to start compiling", async () => {
    const work = await findWorkDir(goTmp);
    return work !== undefined && (await list(work)).length > 1;
  }, 60_000);
  stop.abort(new Error("stopped by the test"));
  await rejects(build, /stopped by the test/);
  // Once the build has settled, nothing of it is left in the temp dir.
  deepEqual(await list(goTmp), [], "go's work directory was left behind");
});

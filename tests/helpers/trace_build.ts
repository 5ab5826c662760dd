/**
 * Traces the files of ours a `ko build ./cmd/app` passes through to the manifest PUT: ko runs
 * in this process (against a real registry, on the built-in scratch base), and the async call
 * stacks where the builder asks for its `go build` and at the manifest PUT are joined, in
 * first-seen order.
 */
import { runCli } from "../../src/cli/main.ts";
import { GoRunner } from "../../src/go/go_runner.ts";
import { memoryWriter } from "../../src/util/writer.ts";
import { writeGoApp } from "./go_app.ts";
import { startRegistry } from "./registry_server.ts";
import { tempDir } from "./tools.ts";

const ROOT = new URL("../../", import.meta.url).href;

/** The repository files (`main.ts`, `src/…`) on a stack, outermost first. */
function filesOf(stack: string): string[] {
  const files: string[] = [];
  for (const m of stack.matchAll(/(?:\(|at )(file:\/\/[^\s)]+?):\d+:\d+/g)) {
    const file = m[1]!.slice(ROOT.length);
    if (m[1]!.startsWith(ROOT) && (file === "main.ts" || file.startsWith("src/"))) {
      files.push(file);
    }
  }
  return files.reverse();
}

/** The files of ours on the way from `main.ts` to the manifest PUT. */
export async function traceBuild(): Promise<string[]> {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const src = await writeGoApp(`${tmp.path}/src`, {
    module: "example.com/app",
    files: { "cmd/app/main.go": 'package main\n\nfunc main() { println("hi") }\n' },
  });
  const stacks: string[] = [];
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const realFetch = globalThis.fetch;
  const realBuild = GoRunner.prototype.build;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    if (method === "PUT" && url.includes("/manifests/")) stacks.push(new Error().stack ?? "");
    return realFetch(input, init);
  };
  GoRunner.prototype.build = function (...args) {
    stacks.push(new Error().stack ?? "");
    return realBuild.apply(this, args);
  };
  try {
    const stdout = memoryWriter();
    const stderr = memoryWriter();
    const code = await runCli(["build", "--sbom=none", "./cmd/app"], {
      cwd: src,
      env: {
        ...Deno.env.toObject(),
        KO_DOCKER_REPO: `${registry.host}/trace`,
        KO_DEFAULTBASEIMAGE: "scratch",
        XDG_CACHE_HOME: `${tmp.path}/cache`,
      },
      stdout,
      stderr,
    });
    if (code !== 0) throw new Error(`ko build failed: ${stderr.text()}`);
  } finally {
    globalThis.fetch = realFetch;
    GoRunner.prototype.build = realBuild;
    Error.stackTraceLimit = limit;
  }
  return [...new Set(stacks.flatMap(filesOf))];
}

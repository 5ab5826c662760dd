/**
 * pipeToKubectl and startKubectl with a real child process: a kubectl that is a wrapper
 * script running the real work in a child (as version-manager shims and wrappers do), so
 * killing the wrapper leaves a grandchild holding kubectl's stdin, stdout and stderr.
 */
import { equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { memoryWriter } from "../../src/util/writer.ts";
import { pipeToKubectl } from "../../src/kube/kubectl_pipe.ts";
import { startKubectl } from "../../src/kube/kubectl.ts";
import { isAbortError } from "../../src/util/errors.ts";
import { pathExists, waitFor } from "../helpers/tools.ts";

/** A kubectl wrapper whose child reads stdin to its end (and so keeps the pipes open). */
async function wrapperKubectl(dir: string): Promise<string> {
  const path = join(dir, "kubectl");
  // Not `exec`: sh waits for cat, which inherits stdin, stdout and stderr.
  await Deno.writeTextFile(path, `#!/bin/sh\ncat > "${join(dir, "stdin")}"\necho done\n`, {
    mode: 0o755,
  });
  return path;
}

function io(signal?: AbortSignal) {
  return {
    env: { PATH: Deno.env.get("PATH") ?? "" },
    cwd: Deno.cwd(),
    stdout: memoryWriter(),
    stderr: memoryWriter(),
    ...(signal ? { signal } : {}),
  };
}

/** Rejects with "timed out" when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

Deno.test("pipeToKubectl returns promptly on Ctrl-C even when kubectl's child keeps its pipes open", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-kubectl-" });
  try {
    const kubectl = await wrapperKubectl(dir);
    const interrupt = new AbortController();
    const run = pipeToKubectl(kubectl, "apply", [], io(interrupt.signal), async (sink) => {
      await sink.write("a: 1\n");
      interrupt.abort(new DOMException("interrupted", "AbortError"));
      // The resolution gives up (as streamResolvedYaml does) once kubectl, stopped by the
      // abort, has exited: its child still holds the pipes.
      await new Promise((resolve) => {
        if (sink.signal.aborted) resolve(undefined);
        else sink.signal.addEventListener("abort", resolve, { once: true });
      });
      throw interrupt.signal.reason;
    });
    await within(rejects(run, (err: unknown) => isAbortError(err)), 5000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startKubectl's done settles on abort without waiting for output a grandchild holds open", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-kubectl-" });
  try {
    const kubectl = await wrapperKubectl(dir);
    const interrupt = new AbortController();
    const proc = startKubectl(kubectl, ["delete"], io(interrupt.signal), "delete", "piped");
    // sh has started cat once cat's output file exists (sh opens it for cat).
    await waitFor(
      "sh to start cat",
      async () => (await pathExists(join(dir, "stdin"))) || undefined,
    );
    interrupt.abort(new DOMException("interrupted", "AbortError"));
    await within(rejects(proc.done, (err: unknown) => isAbortError(err)), 5000);
    ok(proc.exited.aborted);
    await proc.stdin!.close().catch(() => {}); // lets the orphaned cat finish
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startKubectl still copies all of kubectl's output when it exits by itself", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-kubectl-" });
  try {
    const kubectl = await wrapperKubectl(dir);
    const out = io();
    const proc = startKubectl(kubectl, ["apply"], out, "apply", "piped");
    await proc.stdin!.close();
    await proc.done;
    equal(out.stdout.text(), "done\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Running the go command: which binary (`KO_GO_PATH` or `go`), what to say when it is missing,
 * and a run in a `GOTMPDIR` of its own, so that a go stopped by a signal leaves nothing behind.
 */

/** The go command ko runs: `$KO_GO_PATH` if set, else `go` from PATH. */
export function goBinaryPath(env: Readonly<Record<string, string | undefined>>): string {
  return env.KO_GO_PATH || "go";
}

/**
 * What to say when the go command cannot be started: `go` is looked up on PATH, anything else
 * came from `KO_GO_PATH`.
 */
export function goNotFoundHint(goPath: string): string {
  return goPath === "go" ? "is Go installed and on PATH?" : "check KO_GO_PATH";
}

/**
 * Runs the go command to completion like `Deno.Command#output` (its `signal` stops it), in a
 * `GOTMPDIR` of its own that is removed afterwards. go removes its `go-build*` work directory
 * only when it finishes: stopped by any signal (a sibling platform's build failed, Ctrl-C, a
 * start-up build that was not the one needed), it leaves that directory, sometimes hundreds of
 * megabytes, in the temp dir for good. The directory is made in the caller's `GOTMPDIR`, else
 * its `TMPDIR` (absolute ones), else the system's; if that cannot be done, go runs as it is.
 */
export async function goCommandOutput(
  goPath: string,
  options: { args: readonly string[]; cwd: string; env: Readonly<Record<string, string>> },
  signal?: AbortSignal,
): Promise<Deno.CommandOutput> {
  const parent = [options.env.GOTMPDIR, options.env.TMPDIR].find((d) => d?.startsWith("/"));
  // Made synchronously, so that go is spawned at once, even when the event loop is about to be
  // busy (start-up starts a build and then loads the builder's modules).
  const workParent = tryMakeTempDir({
    prefix: "ko-go-",
    ...(parent ? { dir: parent } : {}),
  });
  try {
    return await new Deno.Command(goPath, {
      args: [...options.args],
      cwd: options.cwd,
      env: workParent ? { ...options.env, GOTMPDIR: workParent } : { ...options.env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
      ...(signal ? { signal } : {}),
    }).output();
  } finally {
    if (workParent) await removeTree(workParent);
  }
}

/** A new temporary directory, or undefined when it cannot be made (go then runs as it is). */
function tryMakeTempDir(options: Deno.MakeTempOptions): string | undefined {
  try {
    return Deno.makeTempDirSync(options);
  } catch {
    return undefined;
  }
}

/** Removes a directory tree; compilers of a killed go build may still be writing into it. */
async function removeTree(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await Deno.remove(dir, { recursive: true });
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

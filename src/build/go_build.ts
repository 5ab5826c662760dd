/** Runs `go build` for one platform and reports compiler output on failure. */
import { KoError } from "../util/errors.ts";
import { goCommandOutput, goNotFoundHint } from "../util/command.ts";
import { adoptPrefetchedBuild } from "./go_build_prefetch.ts";

/** A fully decided `go build` invocation (see src/config/build_settings.ts). */
export interface GoBuildInvocation {
  /** The go binary (`KO_GO_PATH` or `go`). */
  readonly goPath: string;
  /** Working directory (the build config's `dir`). */
  readonly dir: string;
  /** Arguments after the go binary: `build … -o <out> <importpath>`. */
  readonly args: readonly string[];
  /** The complete environment of the child process. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Runs go build (or takes the outcome of the same build started at start-up, see
 * go_build_prefetch.ts); a failure throws `build: go build: exit status N: <output>` like ko.
 */
export async function runGoBuild(inv: GoBuildInvocation, signal?: AbortSignal): Promise<void> {
  let out: Deno.CommandOutput | undefined;
  try {
    out = await adoptPrefetchedBuild(inv) ??
      await goCommandOutput(inv.goPath, { args: inv.args, cwd: inv.dir, env: inv.env }, signal);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KoError(
        `build: cannot run "${inv.goPath}": not found (${goNotFoundHint(inv.goPath)})`,
      );
    }
    throw e;
  }
  if (!out.success) {
    signal?.throwIfAborted();
    const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new KoError(`build: go build: exit status ${out.code}: ${output.trimEnd()}`);
  }
}

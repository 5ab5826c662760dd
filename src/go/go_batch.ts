/**
 * Several `go build`s of one run as one invocation. Builds that differ only in their package and
 * output (same go, directory, environment and flags: the images of one `ko resolve` for one
 * platform, typically) are run as `go build … -o <dir>/ pkgA pkgB …`: go loads the packages,
 * checks its cache and compiles what they share once, and links them in parallel, which saves
 * most of a separate `go build`'s fixed cost per image. Each binary is then moved to its own
 * output; a kept output is linked into the batch directory first, so that go still skips an
 * unchanged link. When the batch fails, the runner runs each build again on its own, so that
 * every image gets its own error.
 */
import { dirname, join } from "../util/posix_path.ts";
import type { GoBuildInvocation } from "./go_build.ts";

/** A go build waiting to run, possibly with others. */
export interface BatchMember {
  readonly plan: GoBuildInvocation;
  /** The package's import path (its binary's name in a batch directory comes from it). */
  readonly importPath?: string;
  /** Runs alone (its batch failed). */
  readonly alone?: boolean;
}

/** What a build ended with: go's output, or why it could not run. */
export type BuildOutcome = Deno.CommandOutput | Error;

/** Runs one go build (the runner's: to completion, never rejecting). */
export type RunGo = (plan: GoBuildInvocation, signal?: AbortSignal) => Promise<BuildOutcome>;

/**
 * What must be equal for two builds to run as one: everything but the `-o` file and the
 * package (the last argument); undefined when a build cannot join a batch.
 */
export function batchKey(m: BatchMember): string | undefined {
  const { plan } = m;
  if (m.alone) return undefined;
  const o = plan.args.indexOf("-o");
  const pkg = plan.args.at(-1);
  if (m.importPath === undefined || o < 0 || o + 2 >= plan.args.length) return undefined;
  if (pkg === undefined || pkg.startsWith("-")) return undefined;
  const args = plan.args.map((a, i) => (i === o + 1 ? "\0out" : a)).slice(0, -1);
  return JSON.stringify([plan.goPath, plan.dir, plan.env, args]);
}

/**
 * The file go writes a main package's binary to in an `-o <dir>/` build: the last element of
 * its import path, or the one before a major-version suffix (`…/cmd/app/v2` → `app`), plus
 * `.exe` for Windows.
 */
export function batchExecName(importPath: string, goos: string | undefined): string {
  const elems = importPath.split("/");
  let name = elems.at(-1)!;
  if (elems.length > 1 && /^v[1-9][0-9]*$/.test(name)) name = elems.at(-2)!;
  return goos === "windows" ? `${name}.exe` : name;
}

/** The members of `queue` that can run with its first one: same key, distinct binary names. */
export function takeBatch<T extends BatchMember>(queue: T[]): T[] {
  const first = queue[0];
  if (first === undefined) return [];
  const key = batchKey(first);
  if (key === undefined) return queue.splice(0, 1);
  const names = new Set<string>();
  const taken: T[] = [];
  for (let i = 0; i < queue.length;) {
    const m = queue[i]!;
    const name = batchKey(m) === key ? execName(m) : undefined;
    if (name === undefined || names.has(name)) {
      i++;
      continue;
    }
    names.add(name);
    taken.push(m);
    queue.splice(i, 1);
  }
  return taken;
}

/**
 * Runs `members` (from {@link takeBatch}) as one go build and moves each binary to its own
 * output: the outcome of each member, in order, or undefined when the batch failed and each
 * must be built on its own.
 */
export async function runBatch(
  members: readonly BatchMember[],
  run: RunGo,
  signal?: AbortSignal,
): Promise<BuildOutcome[] | undefined> {
  if (members.length === 1) return [await run(members[0]!.plan, signal)];
  const outputs = members.map((m) => m.plan.args[m.plan.args.indexOf("-o") + 1]!);
  let dir: string;
  try {
    dir = await Deno.makeTempDir({ dir: dirname(outputs[0]!), prefix: ".batch-" });
  } catch {
    return undefined;
  }
  try {
    const names = members.map(execName);
    // What an earlier run left is where go looks for it, so an unchanged link is skipped.
    await Promise.all(
      members.map((_, i) => Deno.link(outputs[i]!, join(dir, names[i]!)).catch(() => {})),
    );
    const first = members[0]!.plan;
    const o = first.args.indexOf("-o");
    const args = [
      ...first.args.slice(0, o),
      "-o",
      `${dir}/`,
      ...first.args.slice(o + 2, -1),
      ...members.map((m) => m.plan.args.at(-1)!),
    ];
    const outcome = await run({ ...first, args }, signal);
    if (outcome instanceof Error || !outcome.success) {
      return signal?.aborted ? members.map(() => outcome) : undefined;
    }
    return await Promise.all(members.map(async (_, i): Promise<BuildOutcome> => {
      try {
        await Deno.rename(join(dir, names[i]!), outputs[i]!);
        return outcome;
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    }));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function execName(m: BatchMember): string {
  return batchExecName(m.importPath!, m.plan.env.GOOS);
}

/**
 * `--watch`: after a first round, watches what each built image reads (its Go packages and
 * those of its local dependencies, go.mod and go.sum, kodata) and the verb's own inputs (YAML
 * files, the configuration file), and runs another round when they change — bursts of saves
 * debounced, only the images whose inputs changed rebuilt. A failing round is reported and
 * watching goes on; Ctrl-C ends it, with nothing left running.
 */
import type { BuildInputs } from "../build/builder.ts";
import { errorMessage } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { dirname, resolve } from "../util/posix_path.ts";
import type { VerbContext } from "./context.ts";
import { findConfigFile } from "../config/config_file.ts";
import type { PublishOptions } from "./options.ts";
import type { Pipeline } from "./pipeline.ts";

/** What one round built: each reference and what its build reads. */
export type RoundInputs = ReadonlyMap<string, BuildInputs>;

/**
 * What a watched verb does each round: build everything (`undefined`), or only the given
 * references (none when only the verb's own inputs changed), the rest as published before.
 */
export type WatchRound = (rebuild: ReadonlySet<string> | undefined) => Promise<RoundInputs>;

/** What to watch besides the images' inputs. */
export interface WatchOptions {
  /**
   * Files, or directories of files, whose change re-runs the verb, rebuilding nothing that did
   * not change (the YAML inputs).
   */
  readonly files: readonly string[];
  /** The configuration file, whose change rebuilds everything. */
  readonly config?: string;
  /** Watch the directories among `files` with their subdirectories (`-R`). */
  readonly recursive?: boolean;
  /** Paths ko itself writes (a tarball, a layout): changes there are not edits. */
  readonly outputs: readonly string[];
  /** How long the files must be quiet before a round starts. */
  readonly debounceMs?: number;
}

/** Runs `round` once, then again on every change, until `ctx.signal` aborts. */
export async function watch(
  ctx: VerbContext,
  options: WatchOptions,
  round: WatchRound,
): Promise<void> {
  const known = new Map<string, BuildInputs>();
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const f of options.files) {
    const path = resolve(ctx.cwd, f);
    const isDir = await Deno.stat(path).then((s) => s.isDirectory, () => false);
    (isDir ? dirs : files).add(path);
  }
  const config = options.config ? resolve(ctx.cwd, options.config) : undefined;
  const inputs: VerbInputs = { files, dirs, recursive: options.recursive ?? false, config };
  const outputs = options.outputs.map((f) => resolve(ctx.cwd, f));
  const runRound = async (rebuild: ReadonlySet<string> | undefined) => {
    try {
      for (const [ref, inputs] of await round(rebuild)) known.set(ref, inputs);
    } catch (e) {
      if (ctx.signal.aborted) return;
      await ctx.stderr.write(`Error: ${errorMessage(e)}\n`);
    }
  };
  await runRound(undefined);
  while (!ctx.signal.aborted) {
    // Said once the watchers are in place: an edit made as soon as it is read is seen.
    const changed = await nextChange(
      ctx,
      known,
      inputs,
      outputs,
      options.debounceMs ?? 200,
      () => info("Watching for changes (Ctrl-C to stop)"),
    );
    if (changed === undefined) return; // stopped
    const names = changed.all
      ? "every image"
      : changed.refs.size === 0
      ? "nothing"
      : [...changed.refs].join(", ");
    const shown = changed.paths.slice(0, 3).join(", ") + (changed.paths.length > 3 ? ", …" : "");
    info(`Changed: ${shown}; rebuilding ${names}`);
    await runRound(changed.all ? undefined : changed.refs);
  }
}

/** The verb's own inputs: files, and directories of them, and the configuration file. */
interface VerbInputs {
  readonly files: ReadonlySet<string>;
  readonly dirs: ReadonlySet<string>;
  readonly recursive: boolean;
  readonly config: string | undefined;
}

interface Change {
  readonly paths: string[];
  /** A change that concerns every image (a YAML input, the configuration). */
  all: boolean;
  readonly refs: Set<string>;
}

/**
 * Waits for edits to what is watched (`watching` is called once the watchers are in place),
 * then for the files to be quiet for `debounceMs`; the paths and the images they concern.
 * Undefined when `ctx.signal` aborts first.
 */
async function nextChange(
  ctx: VerbContext,
  known: ReadonlyMap<string, BuildInputs>,
  verb: VerbInputs,
  outputs: readonly string[],
  debounceMs: number,
  watching: () => void,
): Promise<Change | undefined> {
  const flat = new Set<string>();
  const deep = new Set<string>();
  for (const d of verb.dirs) (verb.recursive ? deep : flat).add(d);
  for (const inputs of known.values()) {
    for (const d of inputs.dirs) flat.add(d);
    for (const f of inputs.files) flat.add(dirname(f));
    for (const t of inputs.trees) deep.add(t);
  }
  for (const f of verb.files) flat.add(dirname(f));
  if (verb.config) flat.add(dirname(verb.config));
  // Nothing known yet (the first round failed): any change under the working directory.
  if (known.size === 0) deep.add(ctx.cwd);
  const watchers = [
    await watcher([...flat], false),
    await watcher([...deep], true),
  ].filter((w): w is Deno.FsWatcher => w !== undefined);
  const stop = () => watchers.forEach((w) => w.close());
  ctx.signal.addEventListener("abort", stop, { once: true });
  watching();
  const change: Change = { paths: [], all: known.size === 0, refs: new Set() };
  try {
    await new Promise<void>((done) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        clearTimeout(timer);
        timer = setTimeout(done, debounceMs);
      };
      for (const w of watchers) {
        (async () => {
          for await (const event of w) {
            if (event.kind === "access" || event.kind === "other") continue;
            for (const path of event.paths) {
              if (!concerns(path, change, known, verb, outputs)) continue;
              change.paths.push(path);
              settle();
            }
          }
          done(); // closed: stopped
        })().catch(() => done());
      }
    });
  } finally {
    ctx.signal.removeEventListener("abort", stop);
    stop();
  }
  return ctx.signal.aborted ? undefined : change;
}

/** Whether an edited path concerns a round, recording what it concerns in `change`. */
function concerns(
  path: string,
  change: Change,
  known: ReadonlyMap<string, BuildInputs>,
  verb: VerbInputs,
  outputs: readonly string[],
): boolean {
  if (outputs.some((o) => path === o || path.startsWith(o + "/"))) return false;
  if (/(^|\/)(\.#|#)|~$|\.swp$|\.swx$|\/4913$/.test(path)) return false; // editor scratch files
  if (path === verb.config) {
    change.all = true;
    return true;
  }
  const inDir = [...verb.dirs].some((d) =>
    verb.recursive ? path.startsWith(d + "/") : dirname(path) === d
  );
  if (verb.files.has(path) || inDir) return true; // run again, rebuilding nothing for it
  if (known.size === 0) return /\.go$|(^|\/)go\.(mod|sum)$|\/kodata\//.test(path);
  let hit = false;
  for (const [ref, inputs] of known) {
    const inTree = inputs.trees.some((t) => path === t || path.startsWith(t + "/"));
    if (inTree || inputs.dirs.includes(dirname(path)) || inputs.files.includes(path)) {
      change.refs.add(ref);
      hit = true;
    }
  }
  return hit;
}

/** A watcher of the paths that exist, or undefined when none does. */
async function watcher(paths: string[], recursive: boolean): Promise<Deno.FsWatcher | undefined> {
  const existing: string[] = [];
  for (const p of paths) {
    if (await Deno.stat(p).then(() => true, () => false)) existing.push(p);
  }
  return existing.length === 0 ? undefined : Deno.watchFs(existing, { recursive });
}

/** What a round's pipeline built, and what each of those builds reads. */
export async function inputsOf(
  pipeline: Pick<Pipeline, "built" | "builder">,
): Promise<RoundInputs> {
  const refs = pipeline.built();
  const inputs = await Promise.all(refs.map((ref) => pipeline.builder.inputs(ref)));
  return new Map(refs.map((ref, i) => [ref, inputs[i]!]));
}

/** The map without the given keys. */
export function without<V>(map: ReadonlyMap<string, V>, keys: ReadonlySet<string>): Map<string, V> {
  return new Map([...map].filter(([k]) => !keys.has(k)));
}

/**
 * What a verb's watch looks at besides its images: the configuration file and `files` (YAML
 * inputs); what it writes itself (tarball, layout, refs file, SBOM directory) is no edit.
 */
export function watchedBy(
  ctx: VerbContext,
  options: Pick<PublishOptions, "ociLayoutPath" | "tarball" | "imageRefs"> & { sbomDir: string },
  files: readonly string[],
  recursive = false,
): WatchOptions {
  let config: string | undefined;
  try {
    config = findConfigFile(ctx.cwd, ctx.env)?.path;
  } catch {
    // reported by the round
  }
  return {
    files,
    ...(config ? { config } : {}),
    recursive,
    outputs: [options.ociLayoutPath, options.tarball, options.imageRefs, options.sbomDir]
      .filter((p) => p !== ""),
  };
}

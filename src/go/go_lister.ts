/**
 * `go list` for what the builder needs to know about a package: its import path, whether it is
 * `package main`, its directory (for kodata) and its module. One lister serves one run, and
 * remembers every answer (per directory, patterns and environment): ko's per-reference
 * `go list` calls are a known slowness (ko #305). At most `jobs` run at once; import paths
 * that wait for a slot together (the references of a `ko resolve`) are listed by one
 * `go list` when it comes.
 */
import { Semaphore } from "../util/concurrency.ts";
import { KoError } from "../util/errors.ts";
import { Memo } from "../util/memo.ts";

/** The fields of `go list -json` we read. */
export interface GoPackage {
  ImportPath: string;
  Name: string;
  Dir: string;
  GoFiles?: string[];
  Module?: { Path: string; Dir?: string; Main?: boolean };
  Error?: { Err: string };
}

const FIELDS = "ImportPath,Name,Dir,GoFiles,Module,Error";

/** Times a step: called when it starts, the result when it ends. */
export type Timer = (name: string, detail: string) => () => void;

/** A listing waiting for a slot. */
interface Waiting {
  readonly dir: string;
  readonly patterns: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly settle: (listed: Promise<GoPackage[]>) => void;
}

/** Runs `go list -e -find -json` (always the `go` on PATH, as ko does), once per question. */
export class GoLister {
  readonly #answers = new Memo<GoPackage[]>();
  readonly #slots: Semaphore;
  readonly #waiting: Waiting[] = [];

  /** `time` times each listing (the run's progress); `jobs` bounds the `go list`s running. */
  constructor(private readonly time?: Timer, jobs = Number.POSITIVE_INFINITY) {
    this.#slots = new Semaphore(jobs);
  }

  /** The packages `patterns` name in `dir`, listed with `env` (the process's when absent). */
  list(
    dir: string,
    patterns: readonly string[],
    env?: Readonly<Record<string, string>>,
  ): Promise<GoPackage[]> {
    return this.#answers.get(answerKey(dir, patterns, env), () => {
      const done = this.time?.("go list", patterns.join(" "));
      const listed = this.#scheduled(dir, patterns, env);
      listed.finally(done).catch(() => {});
      listed.then((pkgs) => {
        // `go list ./cmd/x` also answers a later `go list example.com/m/cmd/x` in the same dir.
        const only = pkgs.length === 1 ? pkgs[0] : undefined;
        if (only?.ImportPath && patterns.length === 1 && only.ImportPath !== patterns[0]) {
          this.#answers.remember(answerKey(dir, [only.ImportPath], env), listed);
        }
      }, () => {});
      return listed;
    });
  }

  /** Waits until no `go list` of this lister is running (so none outlives the run). */
  idle(): Promise<void> {
    return this.#answers.settled();
  }

  /** The listing of `patterns`, once a slot is free (with others waiting alike). */
  #scheduled(
    dir: string,
    patterns: readonly string[],
    env?: Readonly<Record<string, string>>,
  ): Promise<GoPackage[]> {
    return new Promise<GoPackage[]>((settle) => {
      this.#waiting.push({ dir, patterns, env, settle });
      const run = async (release: () => void) => {
        try {
          await this.#listNext();
        } finally {
          release();
        }
      };
      // A free slot is taken at once: `go list` starts before this call returns.
      const now = this.#slots.tryAcquire();
      if (now) void run(now);
      else void this.#slots.acquire().then(run);
    });
  }

  /** Lists the first waiting question, with every other one it can be asked with. */
  async #listNext(): Promise<void> {
    const head = this.#waiting.shift();
    if (head === undefined) return; // a batch answered it already
    const group = [head];
    if (batchable(head)) {
      for (let i = 0; i < this.#waiting.length;) {
        const w = this.#waiting[i]!;
        if (w.dir === head.dir && sameEnv(w.env, head.env) && batchable(w)) {
          group.push(...this.#waiting.splice(i, 1));
        } else i++;
      }
    }
    if (group.length === 1) {
      const listed = runGoList(head.dir, head.patterns, head.env);
      head.settle(listed);
      await listed.catch(() => {});
      return;
    }
    const all = await runGoList(head.dir, group.map((w) => w.patterns[0]!), head.env)
      .catch(() => undefined);
    for (const w of group) {
      const mine = all?.filter((p) => p.ImportPath === w.patterns[0]);
      // Not answered as expected (or go failed): asked alone, so its error is its own.
      const listed = mine?.length === 1
        ? Promise.resolve(mine)
        : runGoList(w.dir, w.patterns, w.env);
      w.settle(listed);
      await listed.catch(() => {});
    }
  }
}

/** One plain import path (no relative path, no `...` pattern): its package says it is it. */
function batchable(w: Waiting): boolean {
  const p = w.patterns[0];
  return w.patterns.length === 1 && p !== undefined && /^[^./-]/.test(p) && !p.includes("...");
}

function sameEnv(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function answerKey(
  dir: string,
  patterns: readonly string[],
  env?: Readonly<Record<string, string>>,
): string {
  return JSON.stringify([dir, patterns, env ?? null]);
}

async function runGoList(
  dir: string,
  patterns: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<GoPackage[]> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("go", {
      // -find: the packages only, their imports unresolved (nothing read needs them): much less
      // work than a full listing, and the same answers for these fields.
      args: ["list", "-e", "-find", `-json=${FIELDS}`, "--", ...patterns],
      cwd: dir,
      ...(env ? { env: { ...env } } : {}),
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KoError(
        dir && !(e.message.includes("go"))
          ? `directory "${dir}" does not exist`
          : `the go command is not on PATH`,
      );
    }
    throw e;
  }
  const stdout = new TextDecoder().decode(out.stdout);
  // go's messages span lines ("…\n\tto create a module there, run:\n\tgo mod init"): one line.
  const stderr = new TextDecoder().decode(out.stderr).split("\n").map((l) => l.trim())
    .filter(Boolean).join(" ");
  if (!out.success && !stdout.trim()) {
    throw new KoError(`go list ${patterns.join(" ")}: ${stderr || `exit code ${out.code}`}`);
  }
  return parseJsonStream(stdout);
}

/** Splits `go list -json` output (concatenated JSON objects) into packages. */
function parseJsonStream(text: string): GoPackage[] {
  const out: GoPackage[] = [];
  let depth = 0, start = -1, inString = false, escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}") {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)) as GoPackage);
    }
  }
  return out;
}

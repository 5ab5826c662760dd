/**
 * `go list` for what the builder needs to know about a package: its import path, whether it is
 * `package main`, its directory (for kodata) and its module. One lister serves one run, and
 * remembers every answer (per directory, patterns and environment): ko's per-reference
 * `go list` calls are a known slowness (ko #305).
 */
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

/** Runs `go list -e -find -json` (always the `go` on PATH, as ko does), once per question. */
export class GoLister {
  readonly #answers = new Memo<GoPackage[]>();

  /** `time` times each listing (the run's progress). */
  constructor(private readonly time?: Timer) {}

  /** The packages `patterns` name in `dir`, listed with `env` (the process's when absent). */
  list(
    dir: string,
    patterns: readonly string[],
    env?: Readonly<Record<string, string>>,
  ): Promise<GoPackage[]> {
    return this.#answers.get(answerKey(dir, patterns, env), () => {
      const done = this.time?.("go list", patterns.join(" "));
      const listed = runGoList(dir, patterns, env);
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

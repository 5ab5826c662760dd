/**
 * The YAML resolver behind `ko resolve`, `ko apply` and `ko create`: read every `-f` input,
 * check every `ko://` reference, build and publish each distinct one once, and write each
 * file back with the references replaced, in enumeration order.
 *
 * Order of work: all files are read and parsed, then all references of all files are
 * checked (ko validates before building), then every distinct reference across all files is
 * resolved once (a Map of promises), at most `jobs` at a time, and each file is written as
 * soon as it and every earlier file are complete. A file is written whole or not at all: its
 * output is produced only once all its references are published (and then written in
 * batches of about a megabyte, so that a large file is never one large string).
 *
 * Each file's output is followed by `\n---\n`, as ko (so a blank line precedes the
 * separator, and a file with nothing left writes just `\n---\n`).
 *
 * Errors are KoErrors naming the file: `error processing import paths in "<file>": …`. The
 * first failure cancels the rest (the signal given to the resolver aborts) and nothing is
 * written after it; files written before it stay written, as in ko.
 */
import { resolve } from "node:path";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { enumerateFiles, fsProblem, STDIN } from "./files.ts";
import { parseLabelSelector } from "./label_selector.ts";
import { asCompleted, Semaphore } from "../util/concurrency.ts";
import { type PreparedFile, prepareFile } from "./resolve_file.ts";

/** Turns a ko:// reference (trimmed, e.g. "ko://example.com/app/cmd/x") into the published image reference. */
export type ReferenceResolver = (ref: string, signal?: AbortSignal) => Promise<string>;
/** Validates a reference before any build starts (is it a package main?); throws KoError if not. */
export type ReferenceChecker = (ref: string) => Promise<void>;

/** What {@link resolveFiles} reads, how it resolves, and where it writes. */
export interface ResolveFilesOptions {
  /** `-f` values: files, directories, or `-` for stdin, in order. */
  inputs: readonly string[];
  /** Walk subdirectories of directories (`-R`). */
  recursive?: boolean;
  /** Label selector (`-l`); empty or absent keeps every object. */
  selector?: string;
  /** Standard input, for `-`; defaults to the process's stdin. */
  stdin?: ReadableStream<Uint8Array> | string;
  /** Builds and publishes one reference. */
  resolver: ReferenceResolver;
  /** Checks one reference before any build; no check when absent. */
  checker?: ReferenceChecker;
  /** At most this many resolver (and checker) calls at once; defaults to the CPU count. */
  jobs?: number;
  /** Relative `-f` paths are read from here (default: the process's working directory). */
  cwd?: string;
  /** Cancels the whole resolution. */
  signal?: AbortSignal;
  /** Receives each file's output, in order. */
  write: (chunk: string) => Promise<void>;
}

/** What follows every file's output. */
const FILE_SEPARATOR = "\n---\n";

/**
 * Resolves every `ko://` reference in the inputs and writes the rewritten YAML.
 *
 * @example
 * ```ts
 * await resolveFiles({
 *   inputs: ["config/"],
 *   resolver: (ref) => builder.buildAndPublish(ref),
 *   write: (chunk) => stdout.write(chunk),
 * });
 * ```
 */
export async function resolveFiles(options: ResolveFilesOptions): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const selector = options.selector ? parseLabelSelector(options.selector) : undefined;
  const files = await enumerateFiles(options.inputs, {
    recursive: options.recursive ?? false,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });

  const prepared: PreparedFile[] = [];
  for (const file of files) {
    const text = await readInput(file, options.stdin, options.cwd);
    try {
      prepared.push(prepareFile(file, text, selector));
    } catch (err) {
      if (!(err instanceof KoError)) throw err; // a bug, not bad input
      throw fileError(file, err.message, err);
    }
  }
  signal?.throwIfAborted();

  const limiter = new Semaphore(options.jobs ?? navigator.hardwareConcurrency ?? 1);
  if (options.checker) await checkAll(prepared, options.checker, limiter);
  signal?.throwIfAborted();
  debug(
    `resolve: ${prepared.length} file(s), ${
      new Set(prepared.flatMap((p) => p.distinct)).size
    } reference(s)`,
  );
  await publishAndWrite(prepared, options, limiter);
}

async function readInput(
  file: string,
  stdin: ReadableStream<Uint8Array> | string | undefined,
  cwd: string | undefined,
): Promise<string> {
  let bytes: Uint8Array;
  try {
    if (file !== STDIN) bytes = await Deno.readFile(cwd ? resolve(cwd, file) : file);
    else {
      const input = stdin ?? Deno.stdin.readable;
      if (typeof input === "string") return input;
      bytes = new Uint8Array(await new Response(input).arrayBuffer());
    }
  } catch (err) {
    const what = file === STDIN ? "standard input" : JSON.stringify(file);
    throw fileError(file, `reading ${what}: ${fsProblem(err)}`, err);
  }
  return decodeText(file, bytes);
}

/**
 * A file's text: UTF-16 when it starts with a UTF-16 byte-order mark, else UTF-8, strictly
 * (as go-yaml reads it). Invalid bytes are an error naming where they are, never replaced
 * with U+FFFD, which would silently change the YAML handed on.
 */
function decodeText(file: string, bytes: Uint8Array): string {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe
    ? "utf-16le"
    : bytes[0] === 0xfe && bytes[1] === 0xff
    ? "utf-16be"
    : "utf-8";
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (encoding !== "utf-8") {
      throw fileError(file, `${file}: invalid ${encoding.toUpperCase()} text`, undefined);
    }
  }
  // The longest prefix that is valid (an unfinished sequence at its end allowed) ends at the bad byte.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  // Back to the start of an unfinished sequence, which the bad byte cut short.
  while (lo > 0 && !isUtf8(bytes.subarray(0, lo))) lo--;
  const lineStart = lo === 0 ? 0 : bytes.lastIndexOf(0x0a, lo - 1) + 1;
  const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  const column = new TextDecoder().decode(bytes.subarray(lineStart, lo)).length + 1;
  throw fileError(file, `${file}:${line}:${column}: invalid UTF-8`, undefined);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks each distinct reference once; the error names the first failing occurrence in
 * file order, with its line.
 */
async function checkAll(
  prepared: readonly PreparedFile[],
  checker: ReferenceChecker,
  limiter: Semaphore,
): Promise<void> {
  const outcomes = new Map<string, Promise<{ error: unknown } | undefined>>();
  for (const file of prepared) {
    for (const ref of file.distinct) {
      if (outcomes.has(ref)) continue;
      outcomes.set(
        ref,
        limiter.run(() => checker(ref)).then(() => undefined, (error: unknown) => ({ error })),
      );
    }
  }
  for (const file of prepared) {
    for (const { ref, line } of file.references) {
      const outcome = await outcomes.get(ref);
      if (!outcome) continue;
      await Promise.all(outcomes.values()); // let every check finish before reporting
      throw fileError(
        file.file,
        `error resolving image references: ${file.file}:${line}: found strict reference but ${ref} is not a valid import path: ${
          errorMessage(outcome.error)
        }`,
        outcome.error,
      );
    }
  }
}

/**
 * Resolves every distinct reference once (at most `limiter` at a time), and writes each file as
 * soon as its references and every earlier file's are done. The first failure, charged to the
 * first file using the reference, stops the rest; nothing is written after it.
 */
async function publishAndWrite(
  prepared: readonly PreparedFile[],
  options: ResolveFilesOptions,
  limiter: Semaphore,
): Promise<void> {
  const { signal, resolver } = options;
  const firstUse = new Map<string, PreparedFile>();
  for (const file of prepared) {
    for (const ref of file.distinct) if (!firstUse.has(ref)) firstUse.set(ref, file);
  }
  const refs = [...firstUse.keys()];
  const values = new Map<string, string>();
  let next = 0;
  const writeReady = async () => {
    while (next < prepared.length && prepared[next]!.distinct.every((r) => values.has(r))) {
      const file = prepared[next++]!;
      let pieces: readonly string[];
      try {
        pieces = file.render((ref) => values.get(ref)!);
      } catch (err) {
        if (!(err instanceof KoError)) throw err; // a bug in rendering, not a failed build
        throw fileError(file.file, err.message, err);
      }
      await writeInBatches(pieces, options.write);
    }
  };
  const tasks = refs.map((ref) => (stop: AbortSignal) =>
    limiter.run(() => resolver(ref, stop), stop).catch((err: unknown) => {
      if (stop.aborted) throw err; // a consequence of an earlier failure or abort
      throw fileError(
        firstUse.get(ref)!.file,
        `error resolving image references: ${errorMessage(err)}`,
        err,
      );
    })
  );
  try {
    await writeReady();
    for await (const { index, value } of asCompleted(tasks, signal)) {
      values.set(refs[index]!, value);
      await writeReady();
    }
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}

/** Writes of a large file's output are about this long (a small file is one write). */
const WRITE_BATCH = 1 << 20;

/** Writes a file's output pieces, then {@link FILE_SEPARATOR}, joined into batches. */
async function writeInBatches(
  pieces: readonly string[],
  write: (chunk: string) => Promise<void>,
): Promise<void> {
  let batch = "";
  for (const piece of pieces) {
    batch += piece;
    if (batch.length >= WRITE_BATCH) {
      await write(batch);
      batch = "";
    }
  }
  await write(batch + FILE_SEPARATOR);
}

function fileError(file: string, message: string, cause: unknown): KoError {
  const exitCode = cause instanceof KoError ? cause.exitCode : 1;
  return new KoError(`error processing import paths in ${JSON.stringify(file)}: ${message}`, {
    exitCode,
    cause,
  });
}

/**
 * Writing results and diagnostics: the {@link Writer} every verb writes through, over a file
 * (stdout, stderr) or memory (tests), and reading a whole input stream.
 */
import { KoError } from "./errors.ts";

/** Somewhere text or bytes can be written, in order. */
export interface Writer {
  /** Writes all of `chunk` (strings as UTF-8); resolves once written. */
  write(chunk: string | Uint8Array): Promise<void>;
}

const encoder = new TextEncoder();

function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** Exit code of a program whose output pipe closed (128 + SIGPIPE), as a shell shows Go's. */
export const BROKEN_PIPE_EXIT_CODE = 141;

/**
 * The reader of a {@link fileWriter}'s file went away (`ko resolve … | head`). A Go program
 * dies of SIGPIPE there without a word; runCli exits quietly with {@link BROKEN_PIPE_EXIT_CODE}.
 */
class OutputClosedError extends KoError {
  constructor(cause: unknown) {
    super("output closed: broken pipe", { exitCode: BROKEN_PIPE_EXIT_CODE, cause });
  }
}

/** Whether an error, or one in its cause chain, is an {@link OutputClosedError}. */
export function isOutputClosed(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof OutputClosedError) return true;
  }
  return false;
}

/**
 * A Writer over a Deno file-like (Deno.stdout, Deno.stderr, an open file). Writes are queued,
 * so calls that are not awaited still land in order. A write to a closed pipe rejects with an
 * {@link OutputClosedError}.
 *
 * @example
 * ```ts
 * const out = fileWriter(Deno.stdout);
 * await out.write("ghcr.io/you/app@sha256:…\n");
 * ```
 */
export function fileWriter(file: { write(p: Uint8Array): Promise<number> }): Writer {
  let queue: Promise<void> = Promise.resolve();
  return {
    write(chunk) {
      const bytes = toBytes(chunk);
      const next = queue.then(async () => {
        let off = 0;
        try {
          while (off < bytes.length) off += await file.write(bytes.subarray(off));
        } catch (e) {
          throw e instanceof Deno.errors.BrokenPipe ? new OutputClosedError(e) : e;
        }
      });
      queue = next.catch(() => {});
      return next;
    },
  };
}

/** A Writer that keeps everything in memory (tests read it back). */
interface MemoryWriter extends Writer {
  /** Everything written so far, decoded as UTF-8. */
  text(): string;
  /** Everything written so far. */
  bytes(): Uint8Array;
}

/**
 * Makes an in-memory Writer.
 *
 * @example
 * ```ts
 * const out = memoryWriter();
 * await out.write("hello\n");
 * out.text(); // "hello\n"
 * ```
 */
export function memoryWriter(): MemoryWriter {
  const chunks: Uint8Array[] = [];
  const bytes = () => {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  };
  return {
    write(chunk) {
      chunks.push(toBytes(chunk).slice());
      return Promise.resolve();
    },
    bytes,
    text: () => new TextDecoder().decode(bytes()),
  };
}

/**
 * Reads a stream to the end and decodes it as UTF-8. With a signal, an abort cancels the read
 * and rejects with the signal's reason (an AbortError for Ctrl-C).
 */
export async function readAllText(
  stream: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<string> {
  signal?.throwIfAborted();
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes());
}

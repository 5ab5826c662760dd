/**
 * Runs ko as a real process (`deno run -A main.ts …`), for tests that signal or kill it mid-run:
 * its output is collected as it comes, and disposing of it kills it if it still runs.
 *
 * @example
 * ```ts
 * await using run = spawnKo(["build", "."], { cwd, env });
 * await waitFor("the upload", async () => proxy.sent > 1e6 || undefined);
 * run.kill("SIGKILL");
 * const { code } = await run.done();
 * ```
 */
import { fileURLToPath } from "node:url";
import { baseEnv } from "./ko_cli.ts";

const MAIN_TS = fileURLToPath(new URL("../../main.ts", import.meta.url));

/**
 * This Deno's cache directory, passed on explicitly: Deno derives it from `XDG_CACHE_HOME`,
 * which tests move, and an empty cache would make the child fetch npm packages.
 */
function denoDir(): string {
  const info = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}

/** How a ko process ended. */
export interface KoExit {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** A running ko process. */
export interface KoProcess extends AsyncDisposable {
  readonly pid: number;
  /** Whether it has exited. */
  readonly exited: boolean;
  /** stderr so far. */
  stderr(): string;
  /** Sends a signal (ignored once it has exited). */
  kill(signal: Deno.Signal): void;
  /** Waits for the exit. */
  done(): Promise<KoExit>;
}

/** Starts `ko <args>` in `cwd` with only {@link baseEnv} and `env` as its environment. */
export function spawnKo(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): KoProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN_TS, ...args],
    cwd: opts.cwd,
    env: { DENO_DIR: denoDir(), ...baseEnv(), ...opts.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = { stdout: "", stderr: "" };
  const collect = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text[key] += chunk;
  };
  let exited = false;
  const ended = Promise.all([
    child.status,
    collect(child.stdout, "stdout"),
    collect(child.stderr, "stderr"),
  ]).then(([status]) => {
    exited = true;
    return { code: status.code, signal: status.signal, ...text };
  });
  const kill = (signal: Deno.Signal) => {
    if (exited) return;
    try {
      child.kill(signal);
    } catch {
      // exited meanwhile
    }
  };
  return {
    pid: child.pid,
    get exited() {
      return exited;
    },
    stderr: () => text.stderr,
    kill,
    done: () => ended,
    async [Symbol.asyncDispose]() {
      kill("SIGKILL");
      await ended;
    },
  };
}

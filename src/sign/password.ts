/**
 * The password of an encrypted key, as cosign takes it: `COSIGN_PASSWORD` when set (empty
 * included), else typed at a terminal without echo. Without either the run stops before
 * anything is built, saying how to give it.
 */
import { KoError } from "../util/errors.ts";

/** Asks for a password at a terminal (see {@link terminalPrompt}). */
type PasswordPrompt = (question: string) => Promise<string>;

/** Where a password may come from. */
export interface PasswordSource {
  readonly env: Readonly<Record<string, string>>;
  /** Present only when stdin is a terminal the user can type at. */
  readonly prompt?: PasswordPrompt;
}

/** The password for the encrypted key `keyName`. */
export function keyPassword(keyName: string, from: PasswordSource): Promise<string> {
  const fromEnv = from.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return Promise.resolve(fromEnv);
  if (from.prompt) return from.prompt(`Enter password for private key ${keyName}: `);
  throw new KoError(
    `${keyName} is encrypted: set COSIGN_PASSWORD to its password (there is no terminal to ask for it on)`,
  );
}

/**
 * Reads a line from the terminal on stdin with echo off (raw mode), after writing `question`
 * to `write`; Backspace edits, Ctrl-C and Ctrl-D give up.
 */
export function terminalPrompt(write: (text: string) => Promise<void>): PasswordPrompt {
  return async (question) => {
    await write(question);
    Deno.stdin.setRaw(true);
    const typed: number[] = [];
    try {
      const buf = new Uint8Array(64);
      for (;;) {
        const n = await Deno.stdin.read(buf);
        if (n === null) throw new KoError("no password given (end of input)");
        for (const byte of buf.subarray(0, n)) {
          if (byte === 0x0d || byte === 0x0a) {
            return new TextDecoder().decode(new Uint8Array(typed));
          }
          if (byte === 0x03) throw new DOMException("interrupted", "AbortError");
          if (byte === 0x04) throw new KoError("no password given (end of input)");
          if (byte === 0x7f || byte === 0x08) typed.pop();
          else typed.push(byte);
        }
      }
    } finally {
      Deno.stdin.setRaw(false);
      typed.fill(0);
      await write("\n");
    }
  };
}

/**
 * The one error type for expected failures: a message a user can act on and the exit code the
 * process ends with. Anything else that escapes to the top is a bug and is reported as one.
 *
 * @example
 * ```ts
 * throw new KoError(`KO_DOCKER_REPO is not set: set it to a registry repository such as ghcr.io/you`);
 * ```
 */
export class KoError extends Error {
  override name = "KoError";
  /** Process exit code; 1 like ko unless a caller has a reason to differ. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Prefixes the message of any error with context, keeping KoError's exit code and cause. */
export function wrapError(context: string, err: unknown): KoError {
  const message = errorMessage(err);
  const exitCode = err instanceof KoError ? err.exitCode : 1;
  return new KoError(`${context}: ${message}`, { exitCode, cause: err });
}

/** The message of any thrown value, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Whether an error (or a cause in its chain) is an AbortError from an AbortSignal. */
export function isAbortError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === "AbortError") return true;
  }
  return false;
}

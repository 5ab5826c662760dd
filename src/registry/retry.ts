/**
 * Retry policy for registry requests: 5 attempts, waiting 0.25, 0.5, 1 then 2 s (factor 2, 10%
 * jitter), on 408/429/499/500/502/503/504/522 and on dropped connections; `Retry-After`
 * (seconds or an HTTP date) is honoured up to a cap. Applied to single requests by the
 * {@link withRetries} transport layer, and to whole operations (a blob upload, a manifest
 * fetch and its checks) by {@link withRetry}.
 *
 * More attempts than ggcr's 3 (1 s, then 3 s): on a link that loses one request in ten, three
 * faults in a row on one of a push's many requests are too likely; five in a row are not. The
 * shorter waits keep the patience with a registry that stays down what ggcr's is (under 4 s).
 */
import { errorMessage, isAbortError, KoError } from "../util/errors.ts";
import { debug, info } from "../util/log.ts";
import {
  classifyNetworkError,
  NetworkError,
  networkError,
  parseRetryAfterHeader,
  RegistryError,
} from "./http_errors.ts";
import { type RoundTrip, shownUrl } from "./round_trip.ts";

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Delay after the first failed attempt, in milliseconds. */
  baseDelayMs: number;
  /** Multiplier between consecutive delays. */
  factor: number;
  /** Random spread of each delay, as a fraction (0.1 = ±10%). */
  jitter: number;
  /** Upper bound of any delay, `Retry-After` included, in milliseconds. */
  maxDelayMs: number;
}

/** 5 attempts, 0.25 s doubling, `Retry-After` capped at 10 s. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  factor: 2,
  jitter: 0.1,
  maxDelayMs: 10_000,
};

/** The HTTP statuses worth another attempt. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  408,
  429,
  499,
  500,
  502,
  503,
  504,
  522,
]);

/** The delay before attempt `failed + 1`, after `failed` failed attempts (1-based). */
export function backoffDelay(policy: RetryPolicy, failed: number): number {
  const base = policy.baseDelayMs * policy.factor ** Math.max(0, failed - 1);
  const spread = base * policy.jitter * (Math.random() * 2 - 1);
  return Math.min(policy.maxDelayMs, Math.max(0, Math.round(base + spread)));
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds from `now`;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  return value === null || value === undefined ? undefined : parseRetryAfterHeader(value, now);
}

/** The delay to wait: `Retry-After` when given (capped), else the backoff. */
export function retryDelay(
  policy: RetryPolicy,
  failed: number,
  retryAfterMs: number | undefined,
): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, retryAfterMs);
  return backoffDelay(policy, failed);
}

/** Waits, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Whether an error from a registry exchange is worth another attempt. */
export function isRetryableError(err: unknown): boolean {
  if (isAbortError(err)) return false;
  if (err instanceof NetworkError) return err.retryable;
  if (err instanceof RegistryError) return RETRYABLE_STATUSES.has(err.status);
  return false;
}

/**
 * Runs `fn` until it succeeds, a non-retryable error is thrown, or the attempts are spent;
 * the last error is rethrown. `onRetry` hears about each retry; without it, each retry is a
 * debug line (`-v`) naming the error and the wait.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  opts: { signal?: AbortSignal; onRetry?: (err: unknown, delayMs: number) => void } = {},
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryableError(err) || opts.signal?.aborted) throw err;
      if (attempt >= policy.attempts) {
        if (attempt > 1 && err instanceof Error && !/gave up after/.test(err.message)) {
          err.message += ` (gave up after ${attempt} attempts)`;
        }
        throw err;
      }
      const after = err instanceof RegistryError ? err.retryAfterMs : undefined;
      const delay = retryDelay(policy, attempt, after);
      if (opts.onRetry) opts.onRetry(err, delay);
      else debug(`retrying in ${delay} ms: ${errorMessage(err)}`);
      await sleep(delay, opts.signal);
    }
  }
}

/** A retry wait at least this long is logged for the user, not only with `-v`. */
const VISIBLE_WAIT_MS = 1000;

const attemptsOf = new WeakMap<Response, number>();

/** How many attempts {@link withRetries} made before handing back this response (1 if unknown). */
export function attemptsMade(res: Response): number {
  return attemptsOf.get(res) ?? 1;
}

/**
 * The transport layer that retries a request (unless it says `retry: false`) on retryable
 * statuses and network errors, re-opening its body each time. A refused connection counts as
 * transient only from a host that has answered before. Gives back the last response, or throws
 * a NetworkError saying how many attempts were made.
 */
export function withRetries(next: RoundTrip, policy: RetryPolicy): RoundTrip {
  /** Hosts that have answered at least once. */
  const reached = new Set<string>();
  return async (req) => {
    const attempts = req.retry === false ? 1 : Math.max(1, policy.attempts);
    for (let attempt = 1;; attempt++) {
      let res: Response;
      try {
        res = await next(req);
      } catch (err) {
        if (req.signal?.aborted) throw err;
        // A NetworkError comes from a layer below (an idle timeout, a redirect's target): it
        // says itself whether to retry. Any other KoError is an answer, not a lost connection.
        if (err instanceof KoError && !(err instanceof NetworkError)) throw err;
        let ne: NetworkError;
        if (err instanceof NetworkError) ne = err;
        else {
          const c = classifyNetworkError(err);
          ne = networkError(req.registry, err, c.refused ? reached.has(req.url.host) : c.retryable);
        }
        if (!ne.retryable || attempt >= attempts) {
          if (attempt > 1) ne.message += ` (gave up after ${attempt} attempts)`;
          throw ne;
        }
        const delay = retryDelay(policy, attempt, undefined);
        debug(`retrying ${req.method} ${shownUrl(req.url)} in ${delay} ms: ${ne.message}`);
        await sleep(delay, req.signal);
        continue;
      }
      reached.add(req.url.host);
      if (!RETRYABLE_STATUSES.has(res.status) || attempt >= attempts) {
        attemptsOf.set(res, attempt);
        return res;
      }
      const delay = retryDelay(policy, attempt, parseRetryAfter(res.headers.get("retry-after")));
      await res.body?.cancel();
      if (delay >= VISIBLE_WAIT_MS) {
        // A wait the user would notice (a Retry-After) is said, not left as a silent pause.
        info(
          `${req.registry} answered ${res.status} to ${req.method} ${shownUrl(req.url)}; ` +
            `retrying in ${Math.round(delay / 1000)} s`,
        );
      } else {
        debug(`retrying ${req.method} ${shownUrl(req.url)} in ${delay} ms: ${res.status}`);
      }
      await sleep(delay, req.signal);
    }
  };
}

/**
 * The transport layer that bounds every wait on a registry: a request whose answer, or whose
 * answer's body, makes no progress for the idle limit (30 s, as ggcr's dial limit; set with
 * `KO_REGISTRY_TIMEOUT`) fails with an {@link IdleTimeoutError}, which the retry layer retries
 * like a reset connection. Progress is any byte of the request body taken by the connection,
 * the response's status line, or any byte of its body; the clock only runs while ko waits on
 * the registry, never while a reader of the body is busy elsewhere. Watching the request body,
 * this layer also sees its source fail, and reports that failure rather than the connection's.
 */
import { isAbortError, KoError } from "../util/errors.ts";
import { NetworkError, networkError } from "./http_errors.ts";
import { type RoundTrip, shownUrl, type TransportRequest } from "./round_trip.ts";

/** The idle limit when `KO_REGISTRY_TIMEOUT` is not set. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** The environment variable that sets the idle limit. */
const TIMEOUT_VAR = "KO_REGISTRY_TIMEOUT";

/** A registry request that made no progress for the idle limit. */
export class IdleTimeoutError extends NetworkError {
  override name = "IdleTimeoutError";
}

/**
 * Reads `KO_REGISTRY_TIMEOUT`: seconds (`45`, `2.5`) or a number with a unit (`500ms`, `30s`,
 * `2m`); the default when unset or empty. Anything else, or zero, is a KoError naming it.
 */
export function idleTimeoutFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_IDLE_TIMEOUT_MS;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const unit = m?.[2] ?? "s";
  const ms = m ? Number(m[1]) * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000) : NaN;
  if (!Number.isFinite(ms) || ms < 1) {
    throw new KoError(
      `${TIMEOUT_VAR}=${JSON.stringify(value)}: expected a duration such as 30s, 500ms or 2m`,
    );
  }
  return Math.round(ms);
}

/** `30 s`, `0.5 s`: the limit as messages say it. */
function shownLimit(ms: number): string {
  return `${ms / 1000} s`;
}

/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A timer that rejects `expired` after `ms` unless disarmed; re-armed on each sign of progress.
 */
function idleTimer(ms: number, onExpire: () => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    arm() {
      clearTimeout(timer);
      timer = setTimeout(onExpire, ms);
    },
    disarm() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Wraps the next layer so that no request waits more than `limitMs` without progress. */
export function withIdleTimeout(next: RoundTrip, limitMs: number): RoundTrip {
  return async (req) => {
    const ctl = new AbortController();
    const parent = req.signal;
    const forward = () => ctl.abort(parent?.reason);
    if (parent?.aborted) forward();
    else parent?.addEventListener("abort", forward, { once: true });
    const release = () => parent?.removeEventListener("abort", forward);
    const what = `${req.method} ${shownUrl(req.url)}`;
    const timeout = (phase: "answer" | "body") =>
      new IdleTimeoutError(
        `cannot reach registry ${req.registry}: ${
          phase === "answer" ? `no answer to ${what}` : `the answer to ${what} stalled`
        }: nothing received for ${shownLimit(limitMs)} (${TIMEOUT_VAR})`,
        { retryable: true, tls: false },
      );

    // The answer: its status line must come within the limit of the last body byte sent.
    const expired = Promise.withResolvers<never>();
    const timer = idleTimer(limitMs, () => {
      expired.reject(timeout("answer"));
      ctl.abort(new DOMException("registry request timed out", "TimeoutError"));
    });
    expired.promise.catch(() => {});
    const sent = watchedBody(req, timer.arm);
    const sending = next({ ...req, body: sent.body, signal: ctl.signal });
    timer.arm();
    let res: Response;
    try {
      res = await Promise.race([sending, expired.promise]);
    } catch (err) {
      release();
      // A late answer after the limit is dropped.
      sending.then((late) => late.body?.cancel(), () => {});
      throw sent.failure() ?? err;
    } finally {
      timer.disarm();
    }
    if (res.body === null || NULL_BODY_STATUSES.has(res.status)) {
      release();
      return res;
    }
    const bounded = new Response(
      idleBody(res.body, {
        limitMs,
        timeout: () => timeout("body"),
        lost: (err) => networkError(req.registry, err, true),
        onTimeout: () => ctl.abort(new DOMException("registry request timed out", "TimeoutError")),
        done: release,
      }),
      { status: res.status, statusText: res.statusText, headers: res.headers },
    );
    // The URL answered (relative `Link`s resolve against it), as the original response says.
    Object.defineProperty(bounded, "url", { value: res.url });
    return bounded;
  };
}

/** The most of a request body handed to the connection at once (progress is seen per piece). */
const BODY_PIECE = 256 * 1024;

/**
 * The request's body, as the connection reads it: its streams are handed over in pieces of at
 * most 256 KiB, each piece taken counting as progress (a large chunk taken at once would say
 * nothing while the socket sends it). A KoError of the stream's source (a blob that is not what
 * its digest says) is kept: the request fails with it, not with the connection's report of a
 * body cut short.
 */
function watchedBody(req: TransportRequest, progress: () => void) {
  let failure: KoError | undefined;
  const open = req.body;
  const body: TransportRequest["body"] = open && (async () => {
    const payload = await open();
    if (!(payload instanceof ReadableStream)) return payload;
    const reader = (payload as ReadableStream<Uint8Array>).getReader();
    let chunk: Uint8Array = new Uint8Array(0);
    let at = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          while (at >= chunk.length) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            chunk = value;
            at = 0;
          }
        } catch (err) {
          if (err instanceof KoError) failure = err;
          throw err;
        }
        const piece = chunk.subarray(at, at + BODY_PIECE);
        at += piece.length;
        progress();
        controller.enqueue(piece);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  });
  return { body, failure: () => failure };
}

/** What {@link idleBody} does when the body stalls, breaks or ends. */
interface BodyWatch {
  limitMs: number;
  /** The error of a stall. */
  timeout(): Error;
  /** The error for a connection lost mid-body (a NetworkError naming the registry). */
  lost(err: unknown): Error;
  /** Drops the connection after a stall. */
  onTimeout(): void;
  /** Runs once the body has ended, failed or been cancelled. */
  done(): void;
}

/**
 * A response body that fails with `timeout()` when a read waits longer than the limit for the
 * next bytes, and with `lost(err)` when the connection breaks mid-body.
 */
function idleBody(body: ReadableStream<Uint8Array>, watch: BodyWatch): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(watch.timeout()), watch.limitMs);
      });
      try {
        const { done: end, value } = await Promise.race([reader.read(), expired]);
        if (end) {
          watch.done();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        watch.done();
        if (err instanceof IdleTimeoutError) {
          watch.onTimeout();
          reader.cancel(err).catch(() => {});
        }
        controller.error(err instanceof KoError || isAbortError(err) ? err : watch.lost(err));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      watch.done();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

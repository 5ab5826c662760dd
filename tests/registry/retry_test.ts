import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { NetworkError, RegistryError } from "../../src/registry/http_errors.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableError,
  parseRetryAfter,
  retryDelay,
  withRetry,
} from "../../src/registry/retry.ts";
import { isVerbose, setLogSink, setVerbose } from "../../src/util/log.ts";

Deno.test("the default policy makes 5 attempts, waiting 0.25, 0.5, 1 then 2 s with 10% jitter", () => {
  equal(DEFAULT_RETRY.attempts, 5);
  for (let i = 0; i < 50; i++) {
    for (const [failed, wait] of [[1, 250], [2, 500], [3, 1000], [4, 2000]]) {
      const delay = backoffDelay(DEFAULT_RETRY, failed!);
      ok(delay >= wait! * 0.9 && delay <= wait! * 1.1, `after ${failed} failures: ${delay} ms`);
    }
  }
});

Deno.test("parseRetryAfter reads seconds and HTTP dates", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  equal(parseRetryAfter("3", now), 3000);
  equal(parseRetryAfter("Wed, 21 Oct 2026 07:28:05 GMT", now), 5000);
  equal(parseRetryAfter("Wed, 21 Oct 2020 07:28:05 GMT", now), 0);
  equal(parseRetryAfter("soon", now), undefined);
  equal(parseRetryAfter(null, now), undefined);
});

Deno.test("retryDelay honours Retry-After up to the cap", () => {
  equal(retryDelay(DEFAULT_RETRY, 1, 2000), 2000);
  equal(retryDelay(DEFAULT_RETRY, 1, 3_600_000), DEFAULT_RETRY.maxDelayMs);
});

Deno.test("isRetryableError retries 5xx, 429 and dropped connections, not 4xx", () => {
  equal(isRetryableError(new RegistryError("x", 503, [])), true);
  equal(isRetryableError(new RegistryError("x", 429, [])), true);
  equal(isRetryableError(new RegistryError("x", 404, [])), false);
  equal(isRetryableError(new NetworkError("x", { retryable: true, tls: false })), true);
  equal(isRetryableError(new NetworkError("x", { retryable: false, tls: true })), false);
  equal(isRetryableError(new Error("bug")), false);
});

Deno.test("withRetry gives up after the configured attempts and says so", async () => {
  let calls = 0;
  const policy = { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 1 };
  await rejects(
    withRetry(policy, () => {
      calls++;
      return Promise.reject(new RegistryError("PUT h/x blob d: 503 Service Unavailable", 503, []));
    }),
    { message: "PUT h/x blob d: 503 Service Unavailable (gave up after 3 attempts)" },
  );
  equal(calls, 3);
  calls = 0;
  equal(
    await withRetry(policy, () => {
      calls++;
      if (calls < 2) throw new NetworkError("dropped", { retryable: true, tls: false });
      return Promise.resolve("ok");
    }),
    "ok",
  );
  equal(calls, 2);
});

Deno.test("withRetry says each retry with -v: the error and the wait", async () => {
  const lines: string[] = [];
  const restore = setLogSink((line) => lines.push(line));
  const wasVerbose = isVerbose();
  setVerbose(true);
  try {
    let calls = 0;
    const policy = { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 1, factor: 3, jitter: 0 };
    await withRetry(policy, () => {
      if (++calls < 3) {
        throw new NetworkError("PUT h/x blob d: connection reset", { retryable: true, tls: false });
      }
      return Promise.resolve();
    });
  } finally {
    setVerbose(wasVerbose);
    restore();
  }
  deepEqual(lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
    "retrying in 1 ms: PUT h/x blob d: connection reset",
    "retrying in 3 ms: PUT h/x blob d: connection reset",
  ]);
});

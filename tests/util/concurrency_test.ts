import { deepEqual, equal, rejects } from "node:assert/strict";
import { allOrNothing, asCompleted, mapConcurrent, Semaphore } from "../../src/util/concurrency.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Semaphore never runs more than its limit and starts queued tasks in order", async () => {
  const slots = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      slots.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await tick(5);
        running--;
      })),
  );
  equal(peak, 2);
  deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
});

Deno.test("Semaphore frees the slot of a failed task", async () => {
  const slots = new Semaphore(1);
  await rejects(slots.run(() => Promise.reject(new Error("x"))), /x/);
  equal(await slots.run(() => Promise.resolve(1)), 1);
});

Deno.test("Semaphore does not start queued tasks once the signal aborts", async () => {
  const slots = new Semaphore(1);
  const controller = new AbortController();
  let ran = false;
  const first = slots.run(() => tick(10), controller.signal);
  const second = slots.run(() => {
    ran = true;
    return Promise.resolve();
  }, controller.signal);
  controller.abort(new Error("stop"));
  const refused = rejects(second, /stop/); // at once: a waiting task takes no slot
  await first;
  await refused;
  equal(ran, false);
});

Deno.test("Semaphore treats a limit below 1 as 1", () => {
  equal(new Semaphore(0).size, 1);
  equal(new Semaphore(-3).size, 1);
  equal(new Semaphore(Number.NaN).size, 1);
  equal(new Semaphore(Infinity).size, Infinity);
  equal(new Semaphore(2.7).size, 2);
});

/**
 * A task that resolves to `value` after `ms`, or rejects with the signal's reason; `log` gets
 * `started`, `done` or `stopped` lines.
 */
function after<T>(ms: number, value: T, log?: string[]) {
  return (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      log?.push(`started ${value}`);
      const onAbort = () => {
        clearTimeout(timer);
        log?.push(`stopped ${value}`);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        log?.push(`done ${value}`);
        resolve(value);
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
}

/** Resolves once `log` has `count` lines starting with `prefix`. */
async function logged(log: string[], prefix: string, count: number): Promise<void> {
  while (log.filter((l) => l.startsWith(prefix)).length < count) await tick(1);
}

Deno.test("asCompleted yields results as they finish, with their index", async () => {
  const seen: Array<[number, string]> = [];
  for await (
    const { index, value } of asCompleted([after(30, "a"), after(1, "b"), after(15, "c")])
  ) {
    seen.push([index, value]);
  }
  deepEqual(seen, [[1, "b"], [2, "c"], [0, "a"]]);
});

Deno.test("allOrNothing keeps input order, or throws the first failure once every task stopped", async () => {
  deepEqual(await allOrNothing([after(20, 1), after(1, 2)]), [1, 2]);
  const log: string[] = [];
  const failing = (signal: AbortSignal) => {
    void signal;
    return new Promise<never>((_, reject) => setTimeout(() => reject(new Error("first")), 5));
  };
  await rejects(allOrNothing([after(5_000, 1, log), failing, after(5_000, 3, log)]), /first/);
  // Both slow tasks were stopped, and had stopped, before the failure was thrown.
  deepEqual(log.toSorted(), ["started 1", "started 3", "stopped 1", "stopped 3"]);
});

Deno.test("an abort of the caller's signal stops every task and is what is thrown", async () => {
  const controller = new AbortController();
  const log: string[] = [];
  const all = allOrNothing([after(5_000, 1, log), after(5_000, 2, log)], controller.signal);
  await logged(log, "started", 2);
  controller.abort(new Error("interrupted"));
  await rejects(all, /interrupted/);
  deepEqual(log.toSorted(), ["started 1", "started 2", "stopped 1", "stopped 2"]);
  // Aborted before they start, tasks never start.
  const early: string[] = [];
  const none = allOrNothing([after(5_000, 1, early)], controller.signal);
  await rejects(none, /interrupted/);
  deepEqual(early, []);
});

Deno.test("a consumer that stops iterating early stops the other tasks and waits for them", async () => {
  const log: string[] = [];
  for await (const { value } of asCompleted([after(1, "quick", log), after(5_000, "slow", log)])) {
    equal(value, "quick");
    break;
  }
  deepEqual(log, ["started quick", "started slow", "done quick", "stopped slow"]);
});

Deno.test("mapConcurrent bounds the calls, keeps order, and starts none after a failure", async () => {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const out = await mapConcurrent([1, 2, 3, 4, 5], 2, async (n) => {
    started.push(n);
    peak = Math.max(peak, ++running);
    await tick(5);
    running--;
    return n * 10;
  });
  deepEqual(out, [10, 20, 30, 40, 50]);
  equal(peak, 2);
  const calls: number[] = [];
  await rejects(
    mapConcurrent([1, 2, 3, 4], 1, (n) => {
      calls.push(n);
      return n === 2 ? Promise.reject(new Error("two")) : Promise.resolve(n);
    }),
    /two/,
  );
  deepEqual(calls, [1, 2]);
});

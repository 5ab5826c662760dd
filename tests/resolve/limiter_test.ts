import { deepEqual, equal, rejects } from "node:assert/strict";
import { Limiter } from "../../src/resolve/limiter.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Limiter never runs more than its limit and starts queued tasks in order", async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await tick(5);
        running--;
      })),
  );
  equal(peak, 2);
  deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
});

Deno.test("Limiter frees the slot of a failed task", async () => {
  const limiter = new Limiter(1);
  await rejects(limiter.run(() => Promise.reject(new Error("x"))), /x/);
  equal(await limiter.run(() => Promise.resolve(1)), 1);
});

Deno.test("Limiter does not start queued tasks once the signal aborts", async () => {
  const limiter = new Limiter(1);
  const controller = new AbortController();
  let ran = false;
  const first = limiter.run(() => tick(10), controller.signal);
  const second = limiter.run(() => {
    ran = true;
    return Promise.resolve();
  }, controller.signal);
  controller.abort(new Error("stop"));
  await first;
  await rejects(second, /stop/);
  equal(ran, false);
});

Deno.test("Limiter treats a limit below 1 as 1", () => {
  equal(new Limiter(0).limit, 1);
  equal(new Limiter(-3).limit, 1);
  equal(new Limiter(Number.NaN).limit, 1);
  equal(new Limiter(Infinity).limit, Infinity);
  equal(new Limiter(2.7).limit, 2);
});

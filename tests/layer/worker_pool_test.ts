import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import * as zlib from "node:zlib";
import { WorkerPool } from "../../src/layer/worker_pool.ts";
import { waitFor } from "../helpers/tools.ts";

function block(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 27) + (i & 3);
  }
  return b;
}

Deno.test("WorkerPool runs two jobs on two workers at once and closes cleanly", async () => {
  const pool = new WorkerPool({ size: 2 });
  try {
    // Two equal jobs submitted together: run one after the other, the second would finish at
    // about twice the time of the first; run in parallel, both finish at about the same time.
    // Comparing within one attempt keeps this independent of how loaded the machine is; the
    // best of five attempts absorbs bursts from other processes on the shared cores.
    const attempt = async () => {
      const started = performance.now();
      const done = [1, 2].map((seed) => {
        const data = block(6 << 20, seed);
        return pool.run({ op: "deflate", data, level: 6, last: true }, [data.buffer])
          .then(() => performance.now() - started);
      });
      equal(pool.busyWorkers, 2, "each job went to its own worker straight away");
      const [a, b] = await Promise.all(done);
      return Math.max(a!, b!) / Math.min(a!, b!);
    };
    await attempt(); // start both workers
    equal(pool.workerCount, 2);
    let best = Infinity;
    for (let i = 0; i < 5 && best >= 1.5; i++) best = Math.min(best, await attempt());
    ok(best < 1.5, `the second job finished ${best.toFixed(2)}x later than the first`);
  } finally {
    pool.close();
  }
  equal(pool.workerCount, 0);
  await rejects(
    pool.run({ op: "deflate", data: new Uint8Array(1), level: 1, last: true }),
    /closed/,
  );
});

Deno.test("WorkerPool returns what the worker computed, moving buffers both ways", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const data = block(100_000, 9);
    const copy = data.slice();
    const r = await pool.run({ op: "deflate", data, level: 1, last: true }, [data.buffer]);
    equal(data.byteLength, 0, "the input buffer was transferred, not copied");
    if (r.kind !== "deflated") throw new Error(r.kind);
    deepEqual(new Uint8Array(zlib.inflateRawSync(r.data)), copy);
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool rejects jobs still queued when it is closed", async () => {
  const pool = new WorkerPool({ size: 1 });
  const jobs = [1, 2, 3].map((i) =>
    pool.run({ op: "deflate", data: block(1 << 20, i), level: 9, last: true })
  );
  pool.close();
  for (const j of jobs) await rejects(j, /closed/);
});

Deno.test("WorkerPool stops idle workers by itself so a process can end", async () => {
  const pool = new WorkerPool({ size: 1, idleTimeoutMs: 20 });
  try {
    await pool.run({ op: "deflate", data: block(1000, 1), level: 1, last: true });
    equal(pool.workerCount, 1);
    await waitFor(
      "the idle worker to stop",
      () => Promise.resolve(pool.workerCount === 0 ? true : undefined),
    );
    // And it starts again on demand.
    await pool.run({ op: "deflate", data: block(1000, 2), level: 1, last: true });
    equal(pool.workerCount, 1);
  } finally {
    pool.close();
  }
});

/**
 * A small pool of layer workers (layer_worker.ts). Compression in Deno only runs in parallel
 * across Workers (two concurrent zlib jobs on the main thread take twice as long), so the CPU
 * work of layers goes here. Workers start lazily, one job at a time each, and are terminated
 * once the pool has been idle for a moment or when it is closed, so the pool never keeps a
 * process alive for long; tests close it to satisfy Deno's sanitizers.
 */
import { KoError } from "../util/errors.ts";
import type {
  LayerWorkerJob,
  LayerWorkerMessage,
  LayerWorkerReply,
  LayerWorkerRequest,
} from "./layer_worker.ts";

/** Options of a {@link WorkerPool}. */
interface WorkerPoolOptions {
  /** Number of workers; default min(navigator.hardwareConcurrency, 4). */
  size?: number;
  /** Idle time after which workers are terminated (they restart on demand); default 500 ms. */
  idleTimeoutMs?: number;
}

interface Job {
  id: number;
  request: LayerWorkerRequest;
  transfer: Transferable[];
  onChunk?: (reply: LayerWorkerReply) => void;
  resolve: (reply: LayerWorkerReply) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs posted to this worker, oldest first (it answers them in order). */
  jobs: Job[];
}

/**
 * Jobs posted ahead to each worker: a worker that has its next job queued never waits for a
 * round trip through the main thread's event loop, which would leave it idle between 1 MiB
 * deflate jobs.
 */
const JOBS_PER_WORKER = 2;

/** The default pool size: the machine's cores, at most 4. */
function defaultPoolSize(): number {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4));
}

/**
 * Runs layer jobs on up to `size` Web Workers, in submission order.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2 });
 * const reply = await pool.run({ op: "deflate", data, level: 2, last: true }, [data.buffer]);
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly size: number;
  #idleTimeoutMs: number;
  #slots: Slot[] = [];
  #queue: Job[] = [];
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 500;
  }

  /** Workers currently started (for tests and diagnostics). */
  get workerCount(): number {
    return this.#slots.length;
  }

  /** Workers currently holding at least one job (for tests and diagnostics). */
  get busyWorkers(): number {
    return this.#slots.filter((s) => s.jobs.length > 0).length;
  }

  /**
   * Queues a job; resolves with its final reply. `transfer` lists buffers moved to the worker
   * (the caller must not use them afterwards). `onChunk` receives intermediate replies.
   */
  run(
    request: LayerWorkerRequest,
    transfer: Transferable[] = [],
    onChunk?: (reply: LayerWorkerReply) => void,
  ): Promise<LayerWorkerReply> {
    if (this.#closed) return Promise.reject(new KoError("layer worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, request, transfer, onChunk, resolve, reject });
      this.#dispatch();
    });
  }

  /**
   * Starts up to `count` workers ahead of need (a worker takes long to start), so they are
   * ready when the first layer arrives — e.g. while `go build` runs. Idle workers still stop
   * after `holdMs`.
   */
  warm(count = this.size, holdMs = 10_000): void {
    if (this.#closed) return;
    while (this.#slots.length < Math.min(count, this.size)) this.#start();
    if (this.#queue.length === 0 && this.#slots.every((s) => s.jobs.length === 0)) {
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = undefined;
        this.#terminateAll();
      }, holdMs);
    }
  }

  /** Terminates every worker and rejects jobs still queued or running. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#terminateAll(new KoError("layer worker pool was closed"));
  }

  #dispatch(): void {
    if (this.#idleTimer !== undefined) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    }
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => s.jobs.length === 0);
      if (slot === undefined && this.#slots.length < this.size) slot = this.#start();
      slot ??= this.#slots.reduce((a, b) => (b.jobs.length < a.jobs.length ? b : a));
      if (slot.jobs.length >= JOBS_PER_WORKER) break;
      const job = this.#queue.shift()!;
      slot.jobs.push(job);
      const message: LayerWorkerJob = { id: job.id, request: job.request };
      slot.worker.postMessage(message, job.transfer);
    }
    if (this.#queue.length === 0 && this.#slots.every((s) => s.jobs.length === 0)) {
      if (this.#slots.length > 0) {
        this.#idleTimer = setTimeout(() => {
          this.#idleTimer = undefined;
          this.#terminateAll();
        }, this.#idleTimeoutMs);
      }
    }
  }

  #start(): Slot {
    const worker = new Worker(new URL("./layer_worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, jobs: [] };
    worker.onmessage = (e: MessageEvent<LayerWorkerMessage>) => {
      const msg = e.data;
      const job = slot.jobs[0];
      if (job === undefined || job.id !== msg.id) return;
      if (!("error" in msg) && !msg.final) {
        job.onChunk?.(msg.reply);
        return;
      }
      slot.jobs.shift();
      if ("error" in msg) job.reject(msg.koError ? new KoError(msg.error) : new Error(msg.error));
      else job.resolve(msg.reply);
      this.#dispatch();
    };
    const fail = (what: string) => (e: Event) => {
      e.preventDefault();
      const jobs = slot.jobs;
      slot.jobs = [];
      slot.worker.terminate();
      this.#slots = this.#slots.filter((s) => s !== slot);
      const detail = e instanceof ErrorEvent ? e.message : e.type;
      for (const job of jobs) job.reject(new Error(`layer worker ${what}: ${detail}`));
      this.#dispatch();
    };
    worker.onerror = fail("failed");
    worker.onmessageerror = fail("could not read a message");
    this.#slots.push(slot);
    return slot;
  }

  #terminateAll(reason?: Error): void {
    if (this.#idleTimer !== undefined) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    }
    const slots = this.#slots;
    this.#slots = [];
    const queued = this.#queue;
    this.#queue = [];
    for (const s of slots) {
      s.worker.terminate();
      for (const job of s.jobs) job.reject(reason ?? new KoError("layer worker stopped"));
    }
    for (const j of queued) j.reject(reason ?? new KoError("layer worker stopped"));
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool used by buildLayer, created on first use. */
export function layerPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

/** Closes the process-wide pool (a later {@link layerPool} call starts a new one). */
export function closeLayerPool(): void {
  shared?.close();
  shared = undefined;
}

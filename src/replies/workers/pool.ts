/**
 * A pool of reply worker threads, so that attestations are rendered and replies encrypted on
 * every core (PDF rendering dominates the cost of a lot: docs/PERFORMANCE.md). Started lazily, on
 * the first batch big enough to pay for a start (~0.3 s per worker: pdfkit, openpgp, key unlock);
 * stopped after `idleMs` without work and by `close()`, which the daemon calls when it stops.
 * Each job goes to the worker with the fewest in flight; a worker that dies fails its jobs (the
 * replies stay A_PREPARER and are prepared on the next pass) and is replaced on the next job.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ReplyDocument } from '../documents.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';
import type { ReplyJob } from './reply-job.js';

export interface ReplyPoolOptions {
  /** Worker threads (default: one per core). */
  readonly size: number;
  /** The national keys, read when the first worker starts. */
  readonly keys: () => WorkerInit['keys'];
  /** Workers are stopped after this long without a job (default 60 s). */
  readonly idleMs?: number;
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly pending: Map<number, { resolve(bytes: Buffer): void; reject(error: Error): void }>;
}

/**
 * A job needs a few MB; without limits V8 lets each worker's heap grow to hundreds of MB of garbage
 * before collecting (measured: 656 → 448 MB peak RSS for a 4 MiB lot, for a few % of time).
 */
const LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

/** The compiled worker beside this module, or, from the sources (tests, benchmarks), tsx's loader. */
function spawn(workerData: WorkerInit): Worker {
  const compiled = new URL('./worker.js', import.meta.url);
  if (existsSync(compiled)) return new Worker(compiled, { workerData, resourceLimits: LIMITS });
  const source = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData, resourceLimits: LIMITS });
}

export class ReplyWorkerPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ReplyPoolOptions) {}

  get size(): number {
    return this.options.size;
  }

  /** Threads currently running (0 until the first job, and again once idle or closed). */
  get running(): number {
    return this.slots.length;
  }

  /** The reply's raw MIME message, sealed in a worker. */
  seal(job: ReplyJob): Promise<Buffer> {
    return this.dispatch((id) => ({ id, kind: 'seal', job }));
  }

  /** The document in clear (PDF or XML bytes), rendered in a worker. */
  render(document: ReplyDocument): Promise<Buffer> {
    return this.dispatch((id) => ({ id, kind: 'render', document }));
  }

  /** Terminates every worker; jobs still running are failed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorkers();
  }

  private async dispatch(request: (id: number) => WorkerRequest): Promise<Buffer> {
    if (this.closed) throw new Error('reply worker pool closed');
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    while (this.slots.length < this.options.size) this.slots.push(this.start());
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const result = new Promise<Buffer>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    await slot.ready;
    slot.worker.postMessage(request(id));
    return result.finally(() => this.armIdleTimer());
  }

  private start(): Slot {
    const worker = spawn({ keys: this.options.keys() });
    const pending: Slot['pending'] = new Map();
    let started: () => void = () => {};
    const slot: Slot = { worker, pending, ready: new Promise<void>((resolve) => (started = resolve)) };
    const fail = (error: Error): void => {
      for (const job of pending.values()) job.reject(error);
      pending.clear();
      started(); // jobs waiting for the start were just failed
      this.slots = this.slots.filter((s) => s !== slot);
    };
    worker.on('message', (message: WorkerResponse) => {
      if ('ready' in message) return started();
      const job = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) job?.resolve(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
      else job?.reject(new Error(message.error));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`reply worker exited (code ${code})`)));
    return slot;
  }

  private armIdleTimer(): void {
    if (this.closed || this.slots.some((s) => s.pending.size > 0)) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stopWorkers(), this.options.idleMs ?? 60_000);
    this.idleTimer.unref();
  }

  private async stopWorkers(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

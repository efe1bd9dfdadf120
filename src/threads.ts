/**
 * Worker threads behind one small pool: the reply workers (replies/workers/) and the thread that
 * judges incoming messages (pipeline/judge-thread.ts) are both a script, its start-up data and
 * request → result jobs. Threads start on the first job and stop after `idleMs` without one, or
 * on `close()`. Each job goes to the thread with the fewest in flight; a thread that dies fails
 * its jobs (their callers retry on a later pass) and is replaced on the next job.
 */
import { existsSync } from 'node:fs';
import { parentPort, Worker, workerData, type ResourceLimits, type TransferListItem } from 'node:worker_threads';

type Response<Result> =
  | { readonly id: number; readonly ok: true; readonly value: Result }
  | { readonly id: number; readonly ok: false; readonly error: string }
  /** Sent once the thread's start-up (keys, reference…) is done. */
  | { readonly id: 0; readonly ready: true };

interface Envelope<Request> {
  readonly id: number;
  readonly request: Request;
}

/** The thread running a job died (out of memory, a crash, or terminated): its jobs fail with this. */
export class ThreadExited extends Error {}

/** A job ran past its time limit: its thread was terminated (and is replaced on the next job). */
export class ThreadTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`job ran past its ${timeoutMs} ms; its thread was terminated`);
  }
}

export interface ThreadPoolOptions<Init> {
  /** The compiled worker module (`new URL('./worker.js', import.meta.url)`); its `.ts` twin runs under tsx. */
  readonly script: URL;
  readonly size: number;
  /** What each thread gets at start, read when the thread starts. */
  readonly init: () => Init;
  readonly idleMs: number;
  readonly resourceLimits?: ResourceLimits;
}

interface Slot<Result> {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly pending: Map<number, { resolve(value: Result): void; reject(error: Error): void }>;
}

/** The compiled script, or, from the sources (tests, benchmarks), its `.ts` through tsx's loader. */
function spawn(script: URL, workerData: unknown, resourceLimits: ResourceLimits | undefined): Worker {
  const options = { workerData, ...(resourceLimits ? { resourceLimits } : {}) };
  if (existsSync(script)) return new Worker(script, options);
  const source = new URL(script.href.replace(/\.js$/, '.ts')).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, { eval: true, ...options });
}

export class ThreadPool<Init, Request, Result> {
  private slots: Slot<Result>[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Stop as soon as no job is in flight, instead of after `idleMs`; `restart`: start fresh ones then. */
  private stopSoon: false | 'stop' | 'restart' = false;

  constructor(private readonly options: ThreadPoolOptions<Init>) {}

  get size(): number {
    return this.options.size;
  }

  /** Threads currently running (0 until the first job, and again once idle or closed). */
  get running(): number {
    return this.slots.length;
  }

  /** Their ids (a stopped thread's replacement has a new one). */
  get threadIds(): readonly number[] {
    return this.slots.map((slot) => slot.worker.threadId);
  }

  /**
   * `timeoutMs`, counted from when the thread is ready to take the job: past it the thread is
   * terminated, the job fails with `ThreadTimeout` and the thread's other jobs with `ThreadExited`.
   */
  async run(request: Request, options: { readonly timeoutMs?: number } = {}): Promise<Result> {
    if (this.closed) throw new Error('thread pool closed');
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.fill();
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const result = new Promise<Result>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    await slot.ready;
    slot.worker.postMessage({ id, request } satisfies Envelope<Request>);
    const { timeoutMs } = options;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const job = slot.pending.get(id);
            if (job === undefined) return;
            slot.pending.delete(id);
            job.reject(new ThreadTimeout(timeoutMs));
            // Out of the pool at once: the next job must not go to a thread being terminated.
            this.slots = this.slots.filter((s) => s !== slot);
            void slot.worker.terminate();
          }, timeoutMs);
    return result.finally(() => {
      clearTimeout(timer);
      this.armIdleTimer();
    });
  }

  /** Starts the threads now, so that the first job does not wait for them; they stop once idle. */
  warm(): void {
    if (this.closed) return;
    this.fill();
    this.armIdleTimer();
  }

  /**
   * Stops the threads once their jobs are done (their memory goes back). The next job starts them
   * again or, with `restart`, fresh ones start at once, so that it need not wait for them.
   */
  stopWhenIdle(restart = false): void {
    this.stopSoon = restart ? 'restart' : 'stop';
    // Idle now: stopped at once, not on a timer, which a caller busy until its next await (a
    // commit on better-sqlite3) would hold back, and with it the thread's memory.
    if (this.slots.some((s) => s.pending.size > 0)) this.armIdleTimer();
    else if (!this.closed) void this.idle();
  }

  /** Terminates every thread; jobs still running are failed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopThreads();
  }

  /** Starts the threads missing (all of them at first, or one that died). */
  private fill(): void {
    while (this.slots.length < this.options.size) this.slots.push(this.start());
  }

  private start(): Slot<Result> {
    const worker = spawn(this.options.script, this.options.init(), this.options.resourceLimits);
    const pending: Slot<Result>['pending'] = new Map();
    let started: () => void = () => {};
    const slot: Slot<Result> = { worker, pending, ready: new Promise<void>((resolve) => (started = resolve)) };
    const fail = (error: Error): void => {
      for (const job of pending.values()) job.reject(error);
      pending.clear();
      started(); // jobs waiting for the start were just failed
      this.slots = this.slots.filter((s) => s !== slot);
    };
    worker.on('message', (message: Response<Result>) => {
      if ('ready' in message) return started();
      const job = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) job?.resolve(message.value);
      else job?.reject(new Error(message.error));
    });
    worker.on('error', (error) => fail(new ThreadExited(`worker thread failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new ThreadExited(`worker thread exited (code ${code})`)));
    return slot;
  }

  private armIdleTimer(): void {
    if (this.closed || this.slots.some((s) => s.pending.size > 0)) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.idle(), this.stopSoon ? 0 : this.options.idleMs);
    this.idleTimer.unref();
  }

  private async idle(): Promise<void> {
    const restart = this.stopSoon === 'restart';
    await this.stopThreads();
    if (restart) this.warm();
  }

  private async stopThreads(): Promise<void> {
    this.stopSoon = false;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The thread's side: `start` runs once with the pool's start-up data and returns the job handler;
 * each job's result (or error message) goes back under the job's id. `transfer` names the buffers
 * of a result whose memory moves to the pool's thread instead of being copied (the result's
 * sender can no longer read them).
 */
export async function serveThread<Init, Request, Result>(
  start: (init: Init) => Promise<(request: Request) => Promise<Result>>,
  transfer: (result: Result) => readonly TransferListItem[] = () => [],
): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('this module runs only as a worker thread');
  const handle = await start(workerData as Init);
  port.postMessage({ id: 0, ready: true } satisfies Response<Result>);
  port.on('message', ({ id, request }: Envelope<Request>) => {
    handle(request).then(
      (value) => port.postMessage({ id, ok: true, value } satisfies Response<Result>, transfer(value)),
      (error: unknown) => port.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies Response<Result>),
    );
  });
}

/**
 * For a `transfer`: the memory under `bytes` when the view covers all of it, moved rather than
 * copied; none otherwise (copied): a small Buffer shares Node's pooled ArrayBuffer with others.
 * The view's memory must be the result's alone (not kept by the thread to serve it again).
 */
export function wholeBuffer(bytes: Uint8Array): TransferListItem[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}

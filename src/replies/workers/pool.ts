/**
 * The reply worker threads, so that attestations are rendered and replies encrypted on every core
 * (PDF rendering dominates the cost of a lot: docs/PERFORMANCE.md). Started on the first batch big
 * enough to pay for a start (~0.3 s per worker: pdfkit, openpgp), stopped after `idleMs` without
 * work and by `close()`, which the daemon calls when it stops. A worker that dies fails its jobs:
 * the replies stay A_PREPARER and are prepared on the next pass.
 */
import { ThreadPool } from '../../threads.js';
import type { ReplyDocument } from '../documents.js';
import type { WorkerInit, WorkerRequest } from './protocol.js';
import type { ReplyJob } from './reply-job.js';

export interface ReplyPoolOptions {
  /** Worker threads (default: one per core but one, `replyWorkerPool`). */
  readonly size: number;
  /** The national keys, read when the first worker starts. */
  readonly keys: () => WorkerInit['keys'];
  /** Workers are stopped after this long without a job (default 60 s). */
  readonly idleMs?: number;
}

/**
 * A job needs a few MB; without limits V8 lets each worker's heap grow to hundreds of MB of garbage
 * before collecting (measured: 656 → 448 MB peak RSS for a 4 MiB lot, for a few % of time).
 * bin/sne-gateway's `--max-semi-space-size` is process-wide and takes precedence over the young
 * generation's limit here (V8 reads the flag last): this one applies only without it (tests, `node …`).
 */
const LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

export class ReplyWorkerPool {
  private readonly threads: ThreadPool<WorkerInit, WorkerRequest, Uint8Array>;

  constructor(options: ReplyPoolOptions) {
    this.threads = new ThreadPool({
      script: new URL('./worker.js', import.meta.url),
      size: options.size,
      init: () => ({ keys: options.keys() }),
      idleMs: options.idleMs ?? 60_000,
      resourceLimits: LIMITS,
    });
  }

  get size(): number {
    return this.threads.size;
  }

  /** Threads currently running (0 until the first job, and again once idle or closed). */
  get running(): number {
    return this.threads.running;
  }

  /** The reply's raw MIME message, sealed in a worker. */
  seal(job: ReplyJob): Promise<Buffer> {
    return this.threads.run({ kind: 'seal', job }).then(asBuffer);
  }

  /** The document in clear (PDF or XML bytes), rendered in a worker. */
  render(document: ReplyDocument): Promise<Buffer> {
    return this.threads.run({ kind: 'render', document }).then(asBuffer);
  }

  /** Terminates every worker; jobs still running are failed. */
  close(): Promise<void> {
    return this.threads.close();
  }
}

/** Structured clone turns the worker's Buffer into a Uint8Array: a view, not a copy. */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Rendering and encryption of replies on worker threads: see pool.ts. */
import { availableParallelism } from 'node:os';
import { ReplyWorkerPool, type ReplyPoolOptions } from './pool.js';

export { ReplyWorkerPool, type ReplyPoolOptions } from './pool.js';
export { renderDocument, sealReply, type ReplyJob } from './reply-job.js';

/** One worker per core: the main thread only reads the registry and stores the results. */
export function replyWorkerPool(keys: ReplyPoolOptions['keys'], size = availableParallelism()): ReplyWorkerPool {
  return new ReplyWorkerPool({ size, keys });
}

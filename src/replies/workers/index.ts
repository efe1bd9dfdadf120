/** Rendering and encryption of replies on worker threads: see pool.ts. */
import { availableParallelism } from 'node:os';
import { ReplyWorkerPool, type ReplyPoolOptions } from './pool.js';

export { ReplyWorkerPool, type ReplyPoolOptions } from './pool.js';
export { renderDocument, sealReply, type ReplyJob } from './reply-job.js';

/**
 * One worker per core but one, at least one: the main thread keeps a core's worth of work per lot
 * (the commit, then per reply the registry's writes, the sender, the claims). On 2 cores a second
 * worker only contended with it: the same time for a lot, more CPU and ~12 MB more resident
 * (docs/PERFORMANCE.md, "Both cores").
 */
export function replyWorkerPool(keys: ReplyPoolOptions['keys'], size = Math.max(1, availableParallelism() - 1)): ReplyWorkerPool {
  return new ReplyWorkerPool({ size, keys });
}

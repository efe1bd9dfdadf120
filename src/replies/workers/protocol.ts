/** The messages between the reply pool and its worker threads (structured clone). */
import type { KeyMaterial } from '../../crypto/index.js';
import type { ReplyDocument } from '../documents.js';
import type { ReplyJob } from './reply-job.js';

/** What each worker gets at start: the national keys (the daemon passes the ones it unlocked). */
export interface WorkerInit {
  readonly keys: readonly KeyMaterial[];
}

export type WorkerRequest =
  | { readonly kind: 'seal'; readonly job: ReplyJob }
  | { readonly kind: 'render'; readonly document: ReplyDocument };

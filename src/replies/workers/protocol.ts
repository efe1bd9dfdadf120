/** The messages between the reply pool and its worker threads (structured clone). */
import type { ReplyDocument } from '../documents.js';
import type { ReplyJob } from './reply-job.js';

/** What each worker gets at start: the national keys (the daemon passes the ones it unlocked). */
export interface WorkerInit {
  readonly keys: readonly { readonly privateKey: string; readonly passphrase?: string | undefined }[];
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'seal'; readonly job: ReplyJob }
  | { readonly id: number; readonly kind: 'render'; readonly document: ReplyDocument };

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly bytes: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly error: string }
  /** Sent once the keyring is loaded (id 0), or its failure. */
  | { readonly id: 0; readonly ready: true };

/**
 * What the judge thread does (see judge-thread.ts): its own registry connection (to know
 * guichets), the reference and the keyring, loaded once; then one verdict per message, packed
 * (packed-verdict.ts) so that a lot's demandes cross in one buffer moved, not copied.
 */
import type { TransferListItem } from 'node:worker_threads';
import { openRegistry } from '../app.js';
import { loadPrivateKeyring } from '../crypto/index.js';
import { loadReference } from '../rules/reference/index.js';
import { judgeSubmission } from './judge.js';
import { packVerdict } from './packed-verdict.js';
import type { JudgeRequest, JudgeResponse, JudgeThreadInit } from './judge-thread.js';

const EMPTY = Buffer.alloc(0);

export async function judgeHandler({ config, keys }: JudgeThreadInit): Promise<(request: JudgeRequest) => Promise<JudgeResponse>> {
  const context = {
    registry: await openRegistry(config),
    keyring: await loadPrivateKeyring(keys),
    reference: loadReference(config.home),
  };
  return async ({ submission, messageSha256, now }) => {
    const input = await judgeSubmission(submission, messageSha256, now, context);
    // The original goes back empty: the main thread still holds it.
    const verdict = packVerdict({ ...input, reception: { ...input.reception, original: EMPTY } });
    const { heapTotal, external } = process.memoryUsage();
    return { verdict, heldBytes: heapTotal + external };
  };
}

/** What of a response moves to the main thread instead of being copied: a packed lot's buffer. */
export function verdictTransfer({ verdict }: JudgeResponse): TransferListItem[] {
  return verdict.kind === 'packed' ? [verdict.demandes.buffer] : [];
}

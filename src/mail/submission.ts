/** An inbound mail message as the pipeline takes it (see pipeline/submission.ts); MIME is read by the judge. */
import type { MailSubmission } from '../pipeline/submission.js';
import type { InboundMessage, SettledFolder } from './types.js';
import type { LotRecord } from '../registry/model.js';

export function mailSubmission(message: InboundMessage): MailSubmission {
  return { canal: 'mail', source: message.sourceId, original: message.raw, sizeBytes: message.sizeBytes, receivedAt: message.receivedAt };
}

/** Where a message goes once its lot is committed. */
export function folderFor(lot: LotRecord): SettledFolder {
  if (lot.statut === 'QUARANTAINE') return 'Quarantaine';
  return lot.statut === 'REJETE' ? 'Rejetes' : 'Traites';
}

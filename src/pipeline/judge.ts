/**
 * Every stage before the registry — the channel's authentication of the guichet, decryption,
 * payload, schema, rules — for one submission: what the registry transaction will have to commit.
 * Reads the registry only to know the guichet; runs on the main thread (replay, the HTTPS channel,
 * tests) or in the judge thread (judge-thread.ts).
 */
import { parisDate } from '../clock.js';
import type { PrivateKeyring } from '../crypto/index.js';
import { collectGarbage, LARGE_LOT } from '../memory.js';
import { judgeDemandes } from '../rules/index.js';
import type { ReferenceIndex } from '../rules/reference/index.js';
import type { CommitInput } from './commit.js';
import { decodeLot } from './decode.js';
import { openSubmission, unknownSender, type GuichetReads } from './open.js';
import type { Submission } from './submission.js';

/** What judging needs besides the submission. */
export interface JudgeContext {
  /** Read only to know the guichet. */
  readonly registry: GuichetReads;
  readonly keyring: PrivateKeyring;
  readonly reference: ReferenceIndex;
}

/** The stages' verdict on one submission, `now` being its processing time. */
export type Judge = (submission: Submission, messageSha256: string, now: Date) => Promise<CommitInput>;

export async function judgeSubmission(submission: Submission, messageSha256: string, now: Date, context: JudgeContext): Promise<CommitInput> {
  const { reception, guichet, payload } = await openSubmission(submission, messageSha256, now, context.registry);
  if (!guichet) return { kind: 'quarantine', reception, error: unknownSender() };
  if (!payload.ok) return { kind: 'rejected', reception, guichet, error: payload.error };

  const decoded = await decodeLot(payload.value, guichet, context.keyring);
  if (!decoded.ok) {
    return { kind: 'rejected', reception, guichet, error: decoded.error, ...decoded.partial };
  }
  // The lot's XML (35 MB for 10,000 demandes) is garbage now that it is parsed: it goes before
  // judging and the verdict's packing add theirs (docs/PERFORMANCE.md, "Memory").
  if (decoded.value.lot.demandes.length > LARGE_LOT.demandes) collectGarbage();
  const demandes = decoded.value.lot.demandes.flatMap((lue) => (lue.ok ? [lue.demande] : []));
  // Judged on the day the lot was received, not processed (spec 3.2); a replay passes the original reception.
  const judgements = judgeDemandes(demandes, { guichet, receptionDay: parisDate(submission.receivedAt), reference: context.reference });
  return { kind: 'decoded', reception, guichet, decoded: decoded.value, judgements };
}

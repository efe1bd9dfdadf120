/**
 * Every stage before the registry — envelope, sender, decryption, payload, schema, rules — for
 * one message: what the registry transaction will have to commit. Reads the registry only to know
 * the sender; runs on the main thread (replay, tests) or in the judge thread (judge-thread.ts).
 */
import { parisDate } from '../clock.js';
import type { PrivateKeyring } from '../crypto/index.js';
import { lotError } from '../errors.js';
import { readLotMessage } from '../mail/mime-in.js';
import type { InboundMessage } from '../mail/types.js';
import type { Registry } from '../registry/registry.js';
import { judgeDemandes } from '../rules/index.js';
import type { ReferenceIndex } from '../rules/reference/index.js';
import type { CommitInput } from './commit.js';
import { decodeLot } from './decode.js';
import { receptionOf } from './unjudged.js';

/** What judging needs besides the message. */
export interface JudgeContext {
  /** Read only to know the sender. */
  readonly registry: Pick<Registry, 'guichetBySender'>;
  readonly keyring: PrivateKeyring;
  readonly reference: ReferenceIndex;
}

/** The stages' verdict on one message, `now` being its processing time. */
export type Judge = (message: InboundMessage, messageSha256: string, now: Date) => Promise<CommitInput>;

export async function judgeMessage(message: InboundMessage, messageSha256: string, now: Date, context: JudgeContext): Promise<CommitInput> {
  const parsed = await readLotMessage(message.raw, { sizeBytes: message.sizeBytes });
  const envelope = parsed.ok ? parsed.value : parsed.envelope;
  const reception = receptionOf(message, messageSha256, now, envelope);

  const guichet = envelope === undefined ? undefined : await context.registry.guichetBySender(envelope.from);
  if (!guichet) return { kind: 'quarantine', reception, error: lotError('LOT_EXPEDITEUR_INCONNU') };
  if (!parsed.ok) return { kind: 'rejected', reception, guichet, error: parsed.error };

  const decoded = await decodeLot(parsed.value, guichet, context.keyring);
  if (!decoded.ok) {
    return { kind: 'rejected', reception, guichet, error: decoded.error, ...decoded.partial };
  }
  const demandes = decoded.value.lot.demandes.flatMap((lue) => (lue.ok ? [lue.demande] : []));
  // Judged on the day the lot was received, not processed (spec 3.2); a replay passes the original reception.
  const judgements = judgeDemandes(demandes, { guichet, receptionDay: parisDate(message.receivedAt), reference: context.reference });
  return { kind: 'decoded', reception, guichet, decoded: decoded.value, judgements };
}

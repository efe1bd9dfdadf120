/**
 * A message the judge thread could not judge — over its time budget, or it killed the thread
 * `LIMITS.judgeAttempts` times — is refused as a whole rather than left in the inbox, where it
 * would hold the mailbox or be tried forever. Its verdict is made here, on the main thread, from
 * its header section alone: the sender (a reply to the guichet, or quarantine) and its Message-ID.
 */
import { lotError, type LotError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { headerSection } from '../mail/header-section.js';
import type { LotEnvelope } from '../mail/mime-in.js';
import type { InboundMessage } from '../mail/types.js';
import type { Registry } from '../registry/registry.js';
import type { CommitInput, Reception } from './commit.js';

/** Thrown by a judge: the message is to be refused with `error`, not retried. */
export class UnjudgedMessage extends Error {
  constructor(readonly error: LotError) {
    super(error.message);
  }
}

export function overBudget(budgetMs: number): UnjudgedMessage {
  return new UnjudgedMessage(
    lotError(
      'LOT_TAILLE',
      `Le lot est trop coûteux à traiter : son examen dépasse ${Math.round(budgetMs / 1000)} s. Scindez-le en lots plus petits ou vérifiez qu'il ne répète pas des éléments en erreur.`,
      { limit: 'judgeMs', max: budgetMs, actual: budgetMs },
    ),
  );
}

export function exhausted(attempts: number): UnjudgedMessage {
  return new UnjudgedMessage(
    lotError(
      'LOT_TAILLE',
      `Le lot est trop coûteux à traiter : son examen a épuisé les ressources de la passerelle (${attempts} tentatives). Scindez-le en lots plus petits.`,
      { limit: 'judgeAttempts', max: LIMITS.judgeAttempts, actual: attempts },
    ),
  );
}

/** Enough for any honest header section; a hostile one is cut (then its From may not be read). */
const HEADER_BYTES = 64 * 1024;

export async function refuseUnjudged(
  message: InboundMessage,
  messageSha256: string,
  now: Date,
  registry: Pick<Registry, 'guichetBySender'>,
  error: LotError,
): Promise<CommitInput> {
  const { readLotMessage } = await import('../mail/mime-in.js');
  const parsed = await readLotMessage(headerSection(message.raw.subarray(0, HEADER_BYTES)));
  const envelope = parsed.ok ? parsed.value : parsed.envelope;
  const reception = receptionOf(message, messageSha256, now, envelope);
  const guichet = envelope === undefined ? undefined : await registry.guichetBySender(envelope.from);
  if (!guichet) return { kind: 'quarantine', reception, error: lotError('LOT_EXPEDITEUR_INCONNU') };
  return { kind: 'rejected', reception, guichet, error };
}

/** What the registry records of a message's reception, from its envelope when one was read. */
export function receptionOf(message: InboundMessage, messageSha256: string, now: Date, envelope: LotEnvelope | undefined): Reception {
  return {
    messageSha256,
    source: message.sourceId,
    recuAt: message.receivedAt,
    traiteAt: now,
    original: message.raw,
    ...(envelope === undefined ? {} : { expediteur: envelope.from }),
    ...(envelope?.messageId === undefined ? {} : { messageId: envelope.messageId }),
  };
}

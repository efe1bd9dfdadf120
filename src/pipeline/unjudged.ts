/**
 * A message the judge thread could not judge — over its time budget, or it killed the thread
 * `LIMITS.judgeAttempts` times — is refused as a whole rather than left in the inbox, where it
 * would hold the mailbox or be tried forever. Its verdict is made here, on the main thread, from
 * who sent it alone (a mail's header section: its sender and Message-ID): a reply to the guichet,
 * or quarantine.
 */
import { lotError, type LotError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { CommitInput } from './commit.js';
import { openSubmission, unknownSender, type GuichetReads } from './open.js';
import type { Submission } from './submission.js';

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

export async function refuseUnjudged(
  submission: Submission,
  messageSha256: string,
  now: Date,
  registry: GuichetReads,
  error: LotError,
): Promise<CommitInput> {
  const { reception, guichet } = await openSubmission(submission, messageSha256, now, registry, { headerOnly: true });
  if (!guichet) return { kind: 'quarantine', reception, error: unknownSender() };
  return { kind: 'rejected', reception, guichet, error };
}

/**
 * The registry's préavis de renouvellement (spec 5.3): one per demande and anniversary — the key
 * of its row, written in the transaction that queues its mails, is what issues it once across
 * crashes, restarts and instances — and when a server first accepted one of its mails.
 */
import type { DemandeEchue, NewPreavis, PreavisRecord } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface PreavisReads {
  getPreavis(numeroUnique: string, anniversaire: string): Promise<PreavisRecord | undefined>;
  /** ACTIVE demandes whose anniversary is on or before this day and that have no préavis for it. */
  demandesSansPreavis(auPlusTard: string): Promise<readonly DemandeEchue[]>;
}

/** Inside a transaction. */
export interface PreavisTx extends PreavisReads {
  /** Records the issue; false (nothing written) when this anniversary's préavis already exists. */
  insertPreavis(preavis: NewPreavis): Promise<boolean>;
  /**
   * A server accepted the outbox item `outboxId`: when it carries a préavis, its first acceptance
   * is kept and the préavis returned with the copy it was (`guichet` or `demandeur`).
   */
  markPreavisAccepted(outboxId: number, at: string): Promise<{ readonly preavis: PreavisRecord; readonly copie: 'guichet' | 'demandeur' } | undefined>;
}

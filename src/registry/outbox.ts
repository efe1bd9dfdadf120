/**
 * The registry's outbox: the replies a lot's transaction queues (`OutboxTx`), then prepared
 * (sealed), sent, retried and given up by src/replies/, outside any lot's transaction.
 */
import type { NewOutboxItem, OutboxAttempt, OutboxClaim, OutboxDepth, OutboxItem, OutboxRefus, OutboxStatut } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface OutboxReads {
  /** A lot's replies, without their message bytes (`getOutbox` has them). */
  outboxForLot(lotId: number): Promise<readonly OutboxItem[]>;
  /**
   * A guichet's documents that answer no lot demande by demande (spec 7, `GET /v1/documents`): its
   * préavis (its own copy, not the demandeur's), dispatching digests and the copies its lots asked for, queued at or after `depuis` (ISO
   * instant; '' for all), oldest first, without their message bytes.
   */
  guichetDocuments(guichet: string, depuis: string): Promise<readonly OutboxItem[]>;
}

/** Queuing replies, inside a lot's transaction. */
export interface OutboxTx extends OutboxReads {
  queueReply(item: NewOutboxItem): Promise<number>;
  /**
   * Queues a reply again at `queuedAt` (ISO), the same message for `lotId`: its sealed bytes when
   * it was prepared (ready to send), else its document (to prepare); to `destinataires` when
   * given, else to the same recipients. Returns the new outbox id.
   */
  requeueReply(outboxId: number, lotId: number, queuedAt: string, destinataires?: readonly string[]): Promise<number>;
}

/** Preparing, sending and retrying replies. */
export interface OutboxRegistry extends OutboxReads {
  /**
   * The next batch of replies waiting to be prepared, claimed for `claim.holder` (bounded: their
   * documents are loaded with them). Replies another instance claimed and still holds are left.
   */
  outboxToPrepare(claim: OutboxClaim): Promise<readonly OutboxItem[]>;
  /**
   * Stores the sealed message and forgets the document it was rendered from (personal data in
   * clear, never read again). False when the reply was no longer waiting to be prepared.
   */
  markPrepared(id: number, raw: Buffer): Promise<boolean>;
  /** The next batch of replies due for sending at `claim.now`, claimed as `outboxToPrepare` does. */
  outboxDue(claim: OutboxClaim): Promise<readonly OutboxItem[]>;
  /**
   * Renews the claim on a reply about to be handed to the sender: false when another instance
   * holds it now or it is no longer PRET (sent meanwhile), so that no two instances send it at once.
   */
  renewOutboxClaim(id: number, claim: OutboxClaim): Promise<boolean>;
  markSent(id: number, at: Date, refus?: readonly OutboxRefus[]): Promise<void>;
  markAttemptFailed(id: number, attempt: OutboxAttempt): Promise<void>;
  /** Gives a reply up after its lifetime: statut ECHEC, kept for the gestionnaire to see. */
  markOutboxFailed(id: number, at: Date, error: string): Promise<void>;
  /** The earliest next attempt of a reply waiting for one. */
  outboxNextAttempt(): Promise<Date | undefined>;
  outboxByStatut(statut: OutboxStatut): Promise<readonly OutboxItem[]>;
  /**
   * How many replies wait to be prepared (A_PREPARER), to be sent (PRET) or were given up
   * (ECHEC), and the oldest one's queue time, per statut; statuts without replies are absent.
   * Sent replies (ENVOYE, kept for ever) are not counted: a scrape stays cheap. With `guichets`,
   * only the replies of those guichets' lots (the web console's gestionnaire).
   */
  outboxDepth(guichets?: readonly string[]): Promise<readonly OutboxDepth[]>;
  getOutbox(id: number): Promise<OutboxItem | undefined>;
  /**
   * Makes a waiting (PRET) or given-up (ECHEC) reply due now, recorded in its `relances`; an ECHEC
   * one becomes PRET with a new lifetime. The new statut, or undefined when it cannot be retried.
   */
  retryOutbox(id: number, at: Date, par: string): Promise<OutboxStatut | undefined>;
}

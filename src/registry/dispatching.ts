/**
 * The registry's dispatching (spec 8): the daily passes over the audit trail, each one's window
 * of event ids, and the digests it queued per bailleur with their sequence numbers. A pass, its
 * digests and their outbox rows are written in one transaction (`DispatchingTx`): a crash leaves
 * either all of them or none, so no event is dispatched twice or skipped.
 */
import type { DemandeRecord, DispatchEvent, DispatchPass, DispatchRecord } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface DispatchingReads {
  /** The latest pass, whose `jusqua` is where the next one starts. */
  lastDispatchPass(): Promise<DispatchPass | undefined>;
  getDispatchPass(jour: string): Promise<DispatchPass | undefined>;
  /** The greatest audit event id recorded (0 when none). */
  lastEventId(): Promise<number>;
  /**
   * The CRE, REN, MOD and RAD events with `after < id <= upTo`, at most `limit`, in id order, each
   * with its demande's communes souhaitées.
   */
  dispatchEvents(after: number, upTo: number, limit: number): Promise<readonly DispatchEvent[]>;
  /** Every bailleur's communes (INSEE codes), by guichet code, active guichets only. */
  bailleursCommunes(): Promise<ReadonlyMap<string, readonly string[]>>;
  /** The events of these ids, oldest first, each with its demande as it now stands (a digest's entries). */
  dispatchEntries(ids: readonly number[]): Promise<readonly { event: DispatchEvent & { at: string; details?: Readonly<Record<string, string | number>> }; demande: DemandeRecord }[]>;
  /** Every digest queued, newest first; `guichet`: that bailleur's only. */
  listDispatches(guichet?: string): Promise<readonly DispatchRecord[]>;
}

/** Recording a pass and its digests, in the transaction that queues them. */
export interface DispatchingTx extends DispatchingReads {
  insertDispatchPass(pass: DispatchPass): Promise<void>;
  /** The bailleur's next sequence number (1 for its first digest). */
  nextDispatchSequence(guichet: string): Promise<number>;
  insertDispatch(record: DispatchRecord): Promise<void>;
}

export type DispatchingRegistry = DispatchingReads;

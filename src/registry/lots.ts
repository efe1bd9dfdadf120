/**
 * The registry's lots: each message received (its original kept for replay), its outcome and
 * the result of each of its demandes. A lot is written inside its transaction (`LotsTx`).
 */
import type { LotRecord, LotRejeu, LotReplayOutcome, LotStatut, NewLot, ResultatRecord } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface LotsReads {
  lotByMessageSha256(sha256: string): Promise<LotRecord | undefined>;
  /**
   * The mailbox identities (`InboundMessage.sourceId`) of every delivery of a lot's message, first
   * one included; empty for a lot committed before they were recorded (schema 8).
   */
  lotSources(lotId: number): Promise<readonly string[]>;
  /** The lot that first used this identifiant (not a re-delivery, not a lot-level rejection). */
  lotByIdentifiant(guichet: string, identifiantLot: string): Promise<LotRecord | undefined>;
  getLot(id: number): Promise<LotRecord | undefined>;
  listLots(): Promise<readonly LotRecord[]>;
  lotResultats(lotId: number): Promise<readonly ResultatRecord[]>;
  lotOriginal(lotId: number): Promise<Buffer | undefined>;
  /** The lot's replays that changed its outcome, oldest first (none before schema 14). */
  lotRejeux(lotId: number): Promise<readonly LotRejeu[]>;
}

/** A lot's writes, inside its transaction. */
export interface LotsTx extends LotsReads {
  insertLot(lot: NewLot): Promise<number>;
  setLotStatut(lotId: number, statut: LotStatut): Promise<void>;
  insertResultats(lotId: number, resultats: readonly ResultatRecord[]): Promise<void>;
  /**
   * A replay's new outcome of a stored lot (spec 6): its fields, version and resultats replaced,
   * and the replay recorded under `outcome.rejouePar` (`lotRejeux`).
   */
  replaceLotOutcome(lotId: number, outcome: LotReplayOutcome, resultats: readonly ResultatRecord[]): Promise<void>;
  /** One more delivery of a lot's message, from this mailbox identity (a byte-identical re-send). */
  recordReception(lotId: number, source: string, at: string): Promise<void>;
}

/** What a gestionnaire does to stored lots, outside any lot's transaction. */
export interface LotsRegistry extends LotsReads {
  /** Size in bytes of a lot's stored original message (0 once deleted). */
  lotOriginalSize(lotId: number): Promise<number | undefined>;
  /** Forgets a QUARANTAINE lot's original message, keeping its row as the trace; false if not such a lot. */
  deleteQuarantined(lotId: number, at: Date, par: string): Promise<boolean>;
}

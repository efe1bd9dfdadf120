/**
 * The registry's demandes: the registered demandes, their numbering (a gap-free sequence per
 * territory and month), the lot demande that produced each numéro, and their audit trail.
 * Demandes change only inside a lot's (or an expiry's) transaction (`DemandesTx`).
 */
import type { AuditEntry, AuditEvent, DemandeEchue, DemandeRecord, DemandeTrouvee } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface DemandesReads {
  getDemande(numeroUnique: string): Promise<DemandeRecord | undefined>;
  /** Another ACTIVE demande of the territory with this doublon key (`sauf`: the demande itself). */
  findDoublon(territoire: string, cleDoublon: string, sauf?: string): Promise<{ numeroUnique: string; guichet: string } | undefined>;
  /**
   * Every demande, ACTIVE or RADIEE, with this doublon key (`cleIdentite`, src/registry/doublon.ts),
   * in one territory or all; oldest dépôt first. Indexed: one lookup however large the registry.
   */
  searchDemandes(cleDoublon: string, territoire?: string): Promise<readonly DemandeTrouvee[]>;
  /** ACTIVE demandes whose anniversary is on or before this day (`YYYY-MM-DD`), oldest first. */
  demandesEchues(auPlusTard: string): Promise<readonly DemandeEchue[]>;
  /** Every recorded change of a demande, oldest first. */
  demandeHistory(numeroUnique: string): Promise<readonly AuditEntry[]>;
}

/** Registering and changing demandes, inside a transaction. */
export interface DemandesTx extends DemandesReads {
  /** Next number of the gap-free sequence of a territory and month (`MMYY`): given back on rollback. */
  nextSequence(territoire: string, mmyy: string): Promise<number>;
  /** The numéro unique already given to this demande of this lot, if any (replay). */
  numeroForSource(guichet: string, identifiantLot: string, reference: string): Promise<string | undefined>;
  /** Stores the demande with its doublon key (`cleDoublon`, src/registry/doublon.ts). */
  insertDemande(demande: DemandeRecord, source: { guichet: string; identifiantLot: string; reference: string }): Promise<void>;
  updateDemande(demande: DemandeRecord): Promise<void>;
  insertEvent(event: AuditEvent): Promise<void>;
}

export type DemandesRegistry = DemandesReads;

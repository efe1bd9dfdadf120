import type { Demande } from '../../lot/types.js';
import { acteurGuichet, type DemandeRecord, type Guichet, type ResultatRecord } from '../model.js';
import type { RegistryTx } from '../registry.js';

export interface OperationContext {
  readonly tx: RegistryTx;
  readonly guichet: Guichet;
  readonly lotId: number;
  readonly identifiantLot: string;
  /**
   * The day the gateway received the lot, in Europe/Paris, `YYYY-MM-DD` — kept by a replay. A
   * demande without `dateReception` is registered (CRE) or renewed (REN) on it (spec 3.2).
   */
  readonly receptionDay: string;
  /** The processing day in Europe/Paris, `YYYY-MM-DD`: a radiation's default `dateEffet` (spec 3). */
  readonly today: string;
  /** The processing instant, for the audit trail. */
  readonly at: string;
  /** The territory of the communes souhaitées (`093`, `111`), when the demande has some. */
  readonly territoire?: string;
}

export interface OperationOutcome {
  readonly resultat: ResultatRecord;
  /** Set when the demandeur is owed an attestation for this operation. */
  readonly attestation?: 'CRE' | 'REN';
  /** COP: the demande the guichet is sent a copy of, as it stands in this transaction. */
  readonly copie?: DemandeRecord;
}

export type Operation = (demande: Demande, context: OperationContext) => Promise<OperationOutcome>;

export const acteurOf = (guichet: Guichet): string => acteurGuichet(guichet.code);

import type { Demande } from '../../lot/types.js';
import { acteurGuichet, type Guichet, type RegistryTx, type ResultatRecord } from '../types.js';

export interface OperationContext {
  readonly tx: RegistryTx;
  readonly guichet: Guichet;
  readonly lotId: number;
  readonly identifiantLot: string;
  /** The processing day in Europe/Paris, `YYYY-MM-DD`. */
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
}

export type Operation = (demande: Demande, context: OperationContext) => OperationOutcome;

export const acteurOf = (guichet: Guichet): string => acteurGuichet(guichet.code);

import type { DemandeError } from '../errors.js';
import type { Demande } from '../lot/types.js';
import type { Guichet } from '../registry/model.js';
import type { ReferenceIndex } from './reference/index.js';

export interface RuleContext {
  /** The sending guichet; absent when a lot is checked offline without one (habilitation unchecked). */
  readonly guichet?: Pick<Guichet, 'code' | 'departements'> | undefined;
  /**
   * The day the gateway received the lot, in Europe/Paris, `YYYY-MM-DD` (spec 3.2): the demandes
   * are judged on it, never on the day of processing or of a replay.
   */
  readonly receptionDay: string;
  readonly reference: ReferenceIndex;
}

/** A check of one demande, on its own (spec 4.2); returns its errors, none when it passes. */
export type DemandeRule = (demande: Demande, context: RuleContext) => readonly DemandeError[];

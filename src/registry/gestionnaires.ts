/** The registry's gestionnaires: the accounts of the web console (src/console/). */
import type { Gestionnaire, GestionnaireChanges } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface GestionnairesReads {
  getGestionnaire(nom: string): Promise<Gestionnaire | undefined>;
  /** Every account, disabled ones included, by name. */
  listGestionnaires(): Promise<readonly Gestionnaire[]>;
}

export interface GestionnairesRegistry extends GestionnairesReads {
  /** False when an account of that name exists (it is left as it was). */
  addGestionnaire(gestionnaire: Gestionnaire): Promise<boolean>;
  /** False when no account has that name. */
  updateGestionnaire(nom: string, changes: GestionnaireChanges): Promise<boolean>;
}

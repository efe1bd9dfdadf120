/** The registry's territories: the settings each département's gestionnaire sets (spec 5.2, 5.3). */
import type { TerritorySettings } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface TerritoiresReads {
  /** Settings of a département (`93`, `2A`, `971`), if its gestionnaire set them. */
  getTerritory(departement: string): Promise<TerritorySettings | undefined>;
  listTerritories(): Promise<readonly TerritorySettings[]>;
}

export interface TerritoiresRegistry extends TerritoiresReads {
  setTerritory(settings: TerritorySettings): Promise<void>;
}

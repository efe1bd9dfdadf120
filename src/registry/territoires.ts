/** The registry's territories: the settings each territory's gestionnaire sets (spec 5.2). */
import type { TerritorySettings } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface TerritoiresReads {
  /** Settings of a territory (`093`, `111`), if its gestionnaire set them. */
  getTerritory(territoire: string): Promise<TerritorySettings | undefined>;
  listTerritories(): Promise<readonly TerritorySettings[]>;
}

export interface TerritoiresRegistry extends TerritoiresReads {
  setTerritory(settings: TerritorySettings): Promise<void>;
}

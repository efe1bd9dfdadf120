/** The territories part on SQLite (src/registry/territoires.ts). */
import { toTerritory } from '../rows.js';
import type { TerritoiresReads, TerritoiresRegistry } from '../territoires.js';
import type { Row, SqliteConnection, Sync } from './connection.js';

export function territoiresReads(c: SqliteConnection): Sync<TerritoiresReads> {
  return {
    getTerritory: (territoire) => {
      const row = c.stmt('SELECT * FROM territoires WHERE territoire = ?').get(territoire) as Row | undefined;
      return row ? toTerritory(row) : undefined;
    },
    listTerritories: () => (c.stmt('SELECT * FROM territoires ORDER BY territoire').all() as Row[]).map(toTerritory),
  };
}

export function territoiresWrites(c: SqliteConnection): Sync<Omit<TerritoiresRegistry, keyof TerritoiresReads>> {
  return {
    setTerritory: (t) => {
      c.stmt(
        `INSERT INTO territoires (territoire, delai_anormalement_long_mois, commission_adresse, modifie_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (territoire) DO UPDATE SET delai_anormalement_long_mois = excluded.delai_anormalement_long_mois,
           commission_adresse = excluded.commission_adresse, modifie_at = excluded.modifie_at`,
      ).run(t.territoire, t.delaiAnormalementLongMois, t.commissionAdresse, t.modifieAt);
    },
  };
}

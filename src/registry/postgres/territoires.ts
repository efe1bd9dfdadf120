/** The territories part on PostgreSQL (src/registry/territoires.ts). */
import { toTerritory } from '../rows.js';
import type { TerritoiresReads, TerritoiresRegistry } from '../territoires.js';
import type { Sql } from './connection.js';

export function territoiresReads(sql: Sql): TerritoiresReads {
  return {
    getTerritory: async (territoire) => {
      const row = await sql.one('SELECT * FROM territoires WHERE territoire = $1', territoire);
      return row ? toTerritory(row) : undefined;
    },
    listTerritories: async () => (await sql.all('SELECT * FROM territoires ORDER BY territoire')).map(toTerritory),
  };
}

export function territoiresWrites(sql: Sql): Omit<TerritoiresRegistry, keyof TerritoiresReads> {
  return {
    setTerritory: async (t) => {
      await sql.run(
        `INSERT INTO territoires (territoire, delai_anormalement_long_mois, commission_adresse, modifie_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (territoire) DO UPDATE SET delai_anormalement_long_mois = excluded.delai_anormalement_long_mois,
           commission_adresse = excluded.commission_adresse, modifie_at = excluded.modifie_at`,
        t.territoire,
        t.delaiAnormalementLongMois,
        t.commissionAdresse,
        t.modifieAt,
      );
    },
  };
}

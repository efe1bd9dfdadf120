/** The territories part on PostgreSQL (src/registry/territoires.ts). */
import { toTerritory } from '../rows.js';
import type { TerritoiresReads, TerritoiresRegistry } from '../territoires.js';
import type { Sql } from './connection.js';

export function territoiresReads(sql: Sql): TerritoiresReads {
  return {
    getTerritory: async (departement) => {
      const row = await sql.one('SELECT * FROM territoires WHERE departement = $1', departement);
      return row ? toTerritory(row) : undefined;
    },
    listTerritories: async () => (await sql.all('SELECT * FROM territoires ORDER BY departement')).map(toTerritory),
  };
}

export function territoiresWrites(sql: Sql): Omit<TerritoiresRegistry, keyof TerritoiresReads> {
  return {
    setTerritory: async (t) => {
      await sql.run(
        `INSERT INTO territoires (departement, delai_anormalement_long_mois, commission_adresse, preavis_demandeur, modifie_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (departement) DO UPDATE SET delai_anormalement_long_mois = excluded.delai_anormalement_long_mois,
           commission_adresse = excluded.commission_adresse, preavis_demandeur = excluded.preavis_demandeur, modifie_at = excluded.modifie_at`,
        t.departement,
        t.delaiAnormalementLongMois,
        t.commissionAdresse,
        t.preavisDemandeur ? 1 : 0,
        t.modifieAt,
      );
    },
  };
}

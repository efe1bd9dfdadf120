/** The territories part on SQLite (src/registry/territoires.ts). */
import { toTerritory } from '../rows.js';
import type { TerritoiresReads, TerritoiresRegistry } from '../territoires.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function territoiresReads(c: Statements): Sync<TerritoiresReads> {
  return {
    getTerritory: (departement) => {
      const row = c.stmt('SELECT * FROM territoires WHERE departement = ?').get(departement) as Row | undefined;
      return row ? toTerritory(row) : undefined;
    },
    listTerritories: () => (c.stmt('SELECT * FROM territoires ORDER BY departement').all() as Row[]).map(toTerritory),
  };
}

export function territoiresWrites(c: SqliteConnection): Sync<Omit<TerritoiresRegistry, keyof TerritoiresReads>> {
  return {
    setTerritory: (t) => {
      c.stmt(
        `INSERT INTO territoires (departement, delai_anormalement_long_mois, commission_adresse, preavis_demandeur, modifie_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (departement) DO UPDATE SET delai_anormalement_long_mois = excluded.delai_anormalement_long_mois,
           commission_adresse = excluded.commission_adresse, preavis_demandeur = excluded.preavis_demandeur, modifie_at = excluded.modifie_at`,
      ).run(t.departement, t.delaiAnormalementLongMois, t.commissionAdresse, t.preavisDemandeur ? 1 : 0, t.modifieAt);
    },
  };
}

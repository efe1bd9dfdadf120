/** The gestionnaires part on SQLite (src/registry/gestionnaires.ts). */
import type { GestionnairesReads, GestionnairesRegistry } from '../gestionnaires.js';
import { toGestionnaire } from '../rows.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function gestionnairesReads(c: Statements): Sync<GestionnairesReads> {
  return {
    getGestionnaire: (nom) => {
      const row = c.stmt('SELECT * FROM gestionnaires WHERE nom = ?').get(nom) as Row | undefined;
      return row ? toGestionnaire(row) : undefined;
    },
    listGestionnaires: () => (c.stmt('SELECT * FROM gestionnaires ORDER BY nom').all() as Row[]).map(toGestionnaire),
  };
}

export function gestionnairesWrites(c: SqliteConnection): Sync<Omit<GestionnairesRegistry, keyof GestionnairesReads>> {
  return {
    addGestionnaire: (g) =>
      c
        .stmt(
          `INSERT INTO gestionnaires (nom, territoires, mot_de_passe, actif, cree_at, modifie_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (nom) DO NOTHING`,
        )
        .run(g.nom, JSON.stringify(g.territoires), g.motDePasse, g.actif ? 1 : 0, g.creeAt, g.modifieAt).changes === 1,
    updateGestionnaire: (nom, changes) =>
      c
        .stmt(
          `UPDATE gestionnaires SET territoires = COALESCE(?, territoires), mot_de_passe = COALESCE(?, mot_de_passe),
             actif = COALESCE(?, actif), modifie_at = ? WHERE nom = ?`,
        )
        .run(
          changes.territoires === undefined ? null : JSON.stringify(changes.territoires),
          changes.motDePasse ?? null,
          changes.actif === undefined ? null : changes.actif ? 1 : 0,
          changes.modifieAt,
          nom,
        ).changes === 1,
  };
}

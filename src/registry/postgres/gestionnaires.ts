/** The gestionnaires part on PostgreSQL (src/registry/gestionnaires.ts). */
import type { GestionnairesReads, GestionnairesRegistry } from '../gestionnaires.js';
import { toGestionnaire } from '../rows.js';
import type { Sql } from './connection.js';

export function gestionnairesReads(sql: Sql): GestionnairesReads {
  return {
    getGestionnaire: async (nom) => {
      const row = await sql.one('SELECT * FROM gestionnaires WHERE nom = $1', nom);
      return row ? toGestionnaire(row) : undefined;
    },
    listGestionnaires: async () => (await sql.all('SELECT * FROM gestionnaires ORDER BY nom')).map(toGestionnaire),
  };
}

export function gestionnairesWrites(sql: Sql): Omit<GestionnairesRegistry, keyof GestionnairesReads> {
  return {
    addGestionnaire: async (g) =>
      (await sql.run(
        `INSERT INTO gestionnaires (nom, territoires, mot_de_passe, actif, cree_at, modifie_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (nom) DO NOTHING`,
        g.nom,
        JSON.stringify(g.territoires),
        g.motDePasse,
        g.actif ? 1 : 0,
        g.creeAt,
        g.modifieAt,
      )) === 1,
    updateGestionnaire: async (nom, changes) =>
      (await sql.run(
        `UPDATE gestionnaires SET territoires = COALESCE($1, territoires), mot_de_passe = COALESCE($2, mot_de_passe),
           actif = COALESCE($3, actif), modifie_at = $4 WHERE nom = $5`,
        changes.territoires === undefined ? null : JSON.stringify(changes.territoires),
        changes.motDePasse ?? null,
        changes.actif === undefined ? null : changes.actif ? 1 : 0,
        changes.modifieAt,
        nom,
      )) === 1,
  };
}

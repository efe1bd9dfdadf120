/** The préavis part on PostgreSQL (src/registry/preavis.ts). */
import { toPreavis } from '../rows.js';
import type { PreavisReads, PreavisTx } from '../preavis.js';
import type { Sql } from './connection.js';

export function preavisReads(sql: Sql): PreavisReads {
  return {
    getPreavis: async (numeroUnique, anniversaire) => {
      const row = await sql.one('SELECT * FROM preavis WHERE numero_unique = $1 AND anniversaire = $2', numeroUnique, anniversaire);
      return row ? toPreavis(row) : undefined;
    },
    demandesSansPreavis: async (auPlusTard) =>
      (
        await sql.all(
          `SELECT d.numero_unique, d.date_echeance FROM demandes d WHERE d.statut = 'ACTIVE' AND d.date_echeance <= $1
             AND NOT EXISTS (SELECT 1 FROM preavis p WHERE p.numero_unique = d.numero_unique AND p.anniversaire = d.date_echeance)
           ORDER BY d.date_echeance, d.numero_unique`,
          auPlusTard,
        )
      ).map((row) => ({ numeroUnique: String(row.numero_unique), dateEcheance: String(row.date_echeance) })),
  };
}

export function preavisTx(sql: Sql): Omit<PreavisTx, keyof PreavisReads> {
  return {
    insertPreavis: async (p) =>
      (await sql.run(
        `INSERT INTO preavis (numero_unique, anniversaire, guichet, emis_at, outbox_guichet, outbox_demandeur) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (numero_unique, anniversaire) DO NOTHING`,
        p.numeroUnique,
        p.anniversaire,
        p.guichet,
        p.emisAt,
        p.outboxGuichet,
        p.outboxDemandeur ?? null,
      )) === 1,
    markPreavisAccepted: async (outboxId, at) => {
      const row = await sql.one('SELECT * FROM preavis WHERE outbox_guichet = $1 OR outbox_demandeur = $1 FOR UPDATE', outboxId);
      if (row === undefined) return undefined;
      await sql.run('UPDATE preavis SET accepte_at = COALESCE(accepte_at, $1) WHERE numero_unique = $2 AND anniversaire = $3', at, row.numero_unique, row.anniversaire);
      const preavis = toPreavis({ ...row, accepte_at: row.accepte_at ?? at });
      return { preavis, copie: preavis.outboxGuichet === outboxId ? 'guichet' : 'demandeur' };
    },
  };
}

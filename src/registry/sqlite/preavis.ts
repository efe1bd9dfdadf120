/** The préavis part on SQLite (src/registry/preavis.ts). */
import { toPreavis } from '../rows.js';
import type { PreavisReads, PreavisTx } from '../preavis.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function preavisReads(c: Statements): Sync<PreavisReads> {
  return {
    getPreavis: (numeroUnique, anniversaire) => {
      const row = c.stmt('SELECT * FROM preavis WHERE numero_unique = ? AND anniversaire = ?').get(numeroUnique, anniversaire) as Row | undefined;
      return row ? toPreavis(row) : undefined;
    },
    demandesSansPreavis: (auPlusTard) =>
      (
        c
          .stmt(
            `SELECT d.numero_unique, d.date_echeance FROM demandes d WHERE d.statut = 'ACTIVE' AND d.date_echeance <= ?
               AND NOT EXISTS (SELECT 1 FROM preavis p WHERE p.numero_unique = d.numero_unique AND p.anniversaire = d.date_echeance)
             ORDER BY d.date_echeance, d.numero_unique`,
          )
          .all(auPlusTard) as Row[]
      ).map((row) => ({ numeroUnique: String(row.numero_unique), dateEcheance: String(row.date_echeance) })),
  };
}

export function preavisTx(c: SqliteConnection): Sync<Omit<PreavisTx, keyof PreavisReads>> {
  return {
    insertPreavis: (p) =>
      c
        .stmt(
          `INSERT INTO preavis (numero_unique, anniversaire, guichet, emis_at, outbox_guichet, outbox_demandeur) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (numero_unique, anniversaire) DO NOTHING`,
        )
        .run(p.numeroUnique, p.anniversaire, p.guichet, p.emisAt, p.outboxGuichet, p.outboxDemandeur ?? null).changes === 1,
    markPreavisAccepted: (outboxId, at) => {
      const row = c.stmt('SELECT * FROM preavis WHERE outbox_guichet = ? OR outbox_demandeur = ?').get(outboxId, outboxId) as Row | undefined;
      if (row === undefined) return undefined;
      c.stmt('UPDATE preavis SET accepte_at = COALESCE(accepte_at, ?) WHERE numero_unique = ? AND anniversaire = ?').run(at, row.numero_unique, row.anniversaire);
      const preavis = toPreavis({ ...row, accepte_at: row.accepte_at ?? at });
      return { preavis, copie: preavis.outboxGuichet === outboxId ? 'guichet' : 'demandeur' };
    },
  };
}

/** The demandes part on SQLite (src/registry/demandes.ts). */
import { demandeColumns, eventColumns, str, toAuditEntry, toDemande, toDemandeTrouvee } from '../rows.js';
import type { DemandesReads, DemandesTx } from '../demandes.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function demandesReads(c: Statements): Sync<DemandesReads> {
  return {
    getDemande: (numeroUnique) => {
      const row = c.stmt('SELECT * FROM demandes WHERE numero_unique = ?').get(numeroUnique) as Row | undefined;
      return row ? toDemande(row) : undefined;
    },
    findDoublon: (territoire, cle, sauf) => {
      // Index demandes_cle_doublon (cle_doublon, territoire): the key's few rows, then their statut.
      const row = c
        .stmt(
          `SELECT numero_unique, guichet FROM demandes
           WHERE territoire = ? AND cle_doublon = ? AND statut = 'ACTIVE' AND numero_unique <> ? LIMIT 1`,
        )
        .get(territoire, cle, sauf ?? '') as Row | undefined;
      return row ? { numeroUnique: String(row.numero_unique), guichet: String(row.guichet) } : undefined;
    },
    searchDemandes: (cle, territoire) =>
      (
        c
          .stmt(
            `SELECT numero_unique, statut, territoire, guichet, date_depot, date_renouvellement, date_echeance,
               date_radiation, motif_radiation
             FROM demandes WHERE cle_doublon = ? AND (? IS NULL OR territoire = ?)
             ORDER BY date_depot, numero_unique`,
          )
          .all(cle, territoire ?? null, territoire ?? null) as Row[]
      ).map(toDemandeTrouvee),
    demandesEchues: (auPlusTard) =>
      (
        c
          .stmt(
            `SELECT numero_unique, date_echeance FROM demandes WHERE statut = 'ACTIVE' AND date_echeance <= ?
             ORDER BY date_echeance, numero_unique`,
          )
          .all(auPlusTard) as Row[]
      ).map((r) => ({ numeroUnique: String(r.numero_unique), dateEcheance: String(r.date_echeance) })),
    demandeHistory: (numeroUnique) =>
      (
        c
          .stmt(
            `SELECT e.*, l.identifiant_lot FROM evenements e LEFT JOIN lots l ON l.id = e.lot_id
             WHERE e.numero_unique = ? ORDER BY e.id`,
          )
          .all(numeroUnique) as Row[]
      ).map(toAuditEntry),
  };
}

export function demandesTx(c: SqliteConnection): Sync<Omit<DemandesTx, keyof DemandesReads>> {
  return {
    nextSequence: (territoire, mmyy) => {
      // One UPSERT inside the lot's IMMEDIATE transaction: the write lock is held from BEGIN, so
      // two processes never read the same `dernier`, and a rolled-back lot gives its numbers back.
      const row = c
        .stmt(
          `INSERT INTO numero_sequences (territoire, mmyy, dernier) VALUES (?, ?, 1)
           ON CONFLICT (territoire, mmyy) DO UPDATE SET dernier = dernier + 1 RETURNING dernier`,
        )
        .get(territoire, mmyy) as Row;
      return Number(row.dernier);
    },
    numeroForSource: (guichet, identifiantLot, reference) =>
      str(
        (
          c
            .stmt('SELECT numero_unique FROM demande_sources WHERE guichet = ? AND identifiant_lot = ? AND reference = ?')
            .get(guichet, identifiantLot, reference) as Row | undefined
        )?.numero_unique,
      ),
    insertDemande: (d, source) => {
      c.stmt(
        `INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_renouvellement,
           date_echeance, motif_radiation, sous_motif_radiation, date_radiation, donnees, cle_doublon)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...demandeColumns(d));
      c.stmt('INSERT INTO demande_sources (guichet, identifiant_lot, reference, numero_unique) VALUES (?, ?, ?, ?)').run(
        source.guichet,
        source.identifiantLot,
        source.reference,
        d.numeroUnique,
      );
    },
    updateDemande: (d) => {
      c.stmt(
        `UPDATE demandes SET territoire = ?, guichet = ?, statut = ?, date_depot = ?, date_renouvellement = ?,
           date_echeance = ?, motif_radiation = ?, sous_motif_radiation = ?, date_radiation = ?, donnees = ?,
           cle_doublon = ? WHERE numero_unique = ?`,
      ).run(...demandeColumns(d).slice(1), d.numeroUnique);
    },
    insertEvent: (e) => {
      c.stmt('INSERT INTO evenements (numero_unique, action, acteur, lot_id, at, details) VALUES (?, ?, ?, ?, ?, ?)').run(...eventColumns(e));
    },
  };
}

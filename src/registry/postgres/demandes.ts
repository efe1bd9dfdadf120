/** The demandes part on PostgreSQL (src/registry/demandes.ts). */
import { demandeColumns, eventColumns, str, toAuditEntry, toDemande, toDemandeTrouvee } from '../rows.js';
import type { DemandesReads, DemandesTx } from '../demandes.js';
import type { Sql } from './connection.js';

export function demandesReads(sql: Sql): DemandesReads {
  return {
    getDemande: async (numeroUnique) => {
      const row = await sql.one('SELECT * FROM demandes WHERE numero_unique = $1', numeroUnique);
      return row ? toDemande(row) : undefined;
    },
    findDoublon: async (territoire, cle, sauf) => {
      // Index demandes_cle_doublon (cle_doublon, territoire): the key's few rows, then their statut.
      const row = await sql.one(
        `SELECT numero_unique, guichet FROM demandes
         WHERE territoire = $1 AND cle_doublon = $2 AND statut = 'ACTIVE' AND numero_unique <> $3 LIMIT 1`,
        territoire,
        cle,
        sauf ?? '',
      );
      return row ? { numeroUnique: String(row.numero_unique), guichet: String(row.guichet) } : undefined;
    },
    searchDemandes: async (cle, territoire) =>
      (
        await sql.all(
          `SELECT numero_unique, statut, territoire, guichet, date_depot, date_renouvellement, date_echeance,
             date_radiation, motif_radiation
           FROM demandes WHERE cle_doublon = $1 AND ($2::text IS NULL OR territoire = $2)
           ORDER BY date_depot, numero_unique`,
          cle,
          territoire ?? null,
        )
      ).map(toDemandeTrouvee),
    demandesEchues: async (auPlusTard) =>
      (
        await sql.all(
          `SELECT numero_unique, date_echeance FROM demandes WHERE statut = 'ACTIVE' AND date_echeance <= $1
           ORDER BY date_echeance, numero_unique`,
          auPlusTard,
        )
      ).map((r) => ({ numeroUnique: String(r.numero_unique), dateEcheance: String(r.date_echeance) })),
    demandeHistory: async (numeroUnique) =>
      (
        await sql.all(
          `SELECT e.*, l.identifiant_lot FROM evenements e LEFT JOIN lots l ON l.id = e.lot_id
           WHERE e.numero_unique = $1 ORDER BY e.id`,
          numeroUnique,
        )
      ).map(toAuditEntry),
  };
}

export function demandesTx(sql: Sql): Omit<DemandesTx, keyof DemandesReads> {
  return {
    nextSequence: async (territoire, mmyy) => {
      // One upsert of the counter row inside the lot's transaction: its row lock makes a
      // concurrent transaction wait for the commit, and a rolled-back lot gives its numbers back.
      const row = await sql.one(
        `INSERT INTO numero_sequences (territoire, mmyy, dernier) VALUES ($1, $2, 1)
         ON CONFLICT (territoire, mmyy) DO UPDATE SET dernier = numero_sequences.dernier + 1 RETURNING dernier`,
        territoire,
        mmyy,
      );
      return Number(row!.dernier);
    },
    numeroForSource: async (guichet, identifiantLot, reference) =>
      str(
        (
          await sql.one(
            'SELECT numero_unique FROM demande_sources WHERE guichet = $1 AND identifiant_lot = $2 AND reference = $3',
            guichet,
            identifiantLot,
            reference,
          )
        )?.numero_unique,
      ),
    insertDemande: async (d, source) => {
      // One statement, one round trip: a lot registers thousands (the foreign key is checked at its end).
      await sql.run(
        `WITH demande AS (
           INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_renouvellement,
             date_echeance, motif_radiation, sous_motif_radiation, date_radiation, donnees, cle_doublon)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING numero_unique)
         INSERT INTO demande_sources (guichet, identifiant_lot, reference, numero_unique)
         SELECT $13, $14, $15, numero_unique FROM demande`,
        ...demandeColumns(d),
        source.guichet,
        source.identifiantLot,
        source.reference,
      );
    },
    updateDemande: async (d) => {
      await sql.run(
        `UPDATE demandes SET territoire = $1, guichet = $2, statut = $3, date_depot = $4, date_renouvellement = $5,
           date_echeance = $6, motif_radiation = $7, sous_motif_radiation = $8, date_radiation = $9, donnees = $10,
           cle_doublon = $11 WHERE numero_unique = $12`,
        ...demandeColumns(d).slice(1),
        d.numeroUnique,
      );
    },
    insertEvent: async (e) => {
      await sql.run(
        'INSERT INTO evenements (numero_unique, action, acteur, lot_id, at, details) VALUES ($1, $2, $3, $4, $5, $6)',
        ...eventColumns(e),
      );
    },
  };
}

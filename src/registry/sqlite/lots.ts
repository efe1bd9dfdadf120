/** The lots part on SQLite (src/registry/lots.ts). */
import { lotColumns, LOT_COLUMNS, lotOutcomeColumns, rejeuColumns, toLot, toRejeu, toResultat } from '../rows.js';
import type { LotsReads, LotsRegistry, LotsTx } from '../lots.js';
import type { LotRecord, ResultatRecord } from '../model.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function lotsReads(c: Statements): Sync<LotsReads> {
  const one = (sql: string, ...params: unknown[]): LotRecord | undefined => {
    const row = c.stmt(sql).get(...params) as Row | undefined;
    return row ? toLot(row) : undefined;
  };
  return {
    lotByMessageSha256: (sha256) => one(`SELECT ${LOT_COLUMNS} FROM lots WHERE message_sha256 = ?`, sha256),
    lotSources: (lotId) =>
      (c.stmt('SELECT source FROM lot_receptions WHERE lot_id = ? ORDER BY recu_at, source').all(lotId) as Row[]).map((r) => String(r.source)),
    lotByIdentifiant: (guichet, identifiantLot) =>
      one(
        `SELECT ${LOT_COLUMNS} FROM lots WHERE guichet = ? AND identifiant_lot = ? AND doublon_de IS NULL
           AND empreinte IS NOT NULL AND NOT (statut = 'REJETE' AND erreurs <> '[]')
         ORDER BY id LIMIT 1`,
        guichet,
        identifiantLot,
      ),
    getLot: (id) => one(`SELECT ${LOT_COLUMNS} FROM lots WHERE id = ?`, id),
    listLots: () => (c.stmt(`SELECT ${LOT_COLUMNS} FROM lots ORDER BY id`).all() as Row[]).map(toLot),
    lotResultats: (lotId) => (c.stmt('SELECT * FROM lot_resultats WHERE lot_id = ? ORDER BY position').all(lotId) as Row[]).map(toResultat),
    lotOriginal: (lotId) =>
      (c.stmt('SELECT original FROM lots WHERE id = ? AND supprime_at IS NULL').get(lotId) as Row | undefined)?.original as Buffer | undefined,
    lotRejeux: (lotId) => (c.stmt('SELECT at, par, version, statut FROM lot_rejeux WHERE lot_id = ? ORDER BY id').all(lotId) as Row[]).map(toRejeu),
  };
}

export function lotsTx(c: SqliteConnection): Sync<Omit<LotsTx, keyof LotsReads>> {
  const recordReception = (lotId: number, source: string, at: string): void => {
    c.stmt('INSERT OR IGNORE INTO lot_receptions (lot_id, source, recu_at) VALUES (?, ?, ?)').run(lotId, source, at);
  };
  const insertResultats = (lotId: number, resultats: readonly ResultatRecord[]): void => {
    const insert = c.stmt(
      `INSERT INTO lot_resultats (lot_id, position, reference, type_fichier, statut, numero_unique, date_depot,
         date_echeance, erreurs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of resultats) {
      insert.run(
        lotId,
        r.position,
        r.reference ?? null,
        r.typeFichier ?? null,
        r.statut,
        r.numeroUnique ?? null,
        r.dateDepot ?? null,
        r.dateEcheance ?? null,
        JSON.stringify(r.erreurs),
      );
    }
  };
  return {
    insertLot: (lot) => {
      const lotId = Number(
        c
          .stmt(
            `INSERT INTO lots (message_sha256, message_id, expediteur, guichet, identifiant_lot, empreinte, statut,
               recu_at, traite_at, erreurs, doublon_de, original, canal)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(...lotColumns(lot)).lastInsertRowid,
      );
      if (lot.source !== undefined) recordReception(lotId, lot.source, lot.recuAt);
      return lotId;
    },
    setLotStatut: (lotId, statut) => {
      c.stmt('UPDATE lots SET statut = ? WHERE id = ?').run(statut, lotId);
    },
    insertResultats,
    replaceLotOutcome: (lotId, outcome, resultats) => {
      c.stmt(
        `UPDATE lots SET statut = ?, version = ?, erreurs = ?, traite_at = ?, guichet = COALESCE(?, guichet),
           identifiant_lot = COALESCE(?, identifiant_lot), empreinte = COALESCE(?, empreinte) WHERE id = ?`,
      ).run(...lotOutcomeColumns(outcome), lotId);
      c.stmt('DELETE FROM lot_resultats WHERE lot_id = ?').run(lotId);
      insertResultats(lotId, resultats);
      c.stmt('INSERT INTO lot_rejeux (lot_id, at, par, version, statut) VALUES (?, ?, ?, ?, ?)').run(...rejeuColumns(lotId, outcome));
    },
    recordReception,
  };
}

export function lotsWrites(c: SqliteConnection): Sync<Omit<LotsRegistry, keyof LotsReads | keyof LotsOutsideReads>> {
  return {
    deleteQuarantined: (lotId, at, par) =>
      c
        .stmt(
          `UPDATE lots SET original = X'', supprime_at = ?, supprime_par = ?
           WHERE id = ? AND statut = 'QUARANTAINE' AND supprime_at IS NULL`,
        )
        .run(at.toISOString(), par, lotId).changes > 0,
  };
}

/** The lots' reads that are not part of a transaction's `tx`. */
export type LotsOutsideReads = Pick<LotsRegistry, 'lotOriginalSize'>;

export function lotsOutsideReads(c: Statements): Sync<LotsOutsideReads> {
  return {
    lotOriginalSize: (lotId) => {
      const row = c.stmt('SELECT length(original) AS size FROM lots WHERE id = ?').get(lotId) as Row | undefined;
      return row === undefined ? undefined : Number(row.size);
    },
  };
}

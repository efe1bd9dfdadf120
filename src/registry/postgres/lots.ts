/** The lots part on PostgreSQL (src/registry/lots.ts). */
import { lotColumns, LOT_COLUMNS, lotOutcomeColumns, rejeuColumns, toLot, toRejeu, toResultat } from '../rows.js';
import type { LotsReads, LotsRegistry, LotsTx } from '../lots.js';
import type { LotRecord, ResultatRecord } from '../model.js';
import type { Sql } from './connection.js';

export function lotsReads(sql: Sql): LotsReads {
  const one = async (text: string, ...params: unknown[]): Promise<LotRecord | undefined> => {
    const row = await sql.one(text, ...params);
    return row ? toLot(row) : undefined;
  };
  return {
    lotByMessageSha256: (sha256) => one(`SELECT ${LOT_COLUMNS} FROM lots WHERE message_sha256 = $1`, sha256),
    lotSources: async (lotId) =>
      (await sql.all('SELECT source FROM lot_receptions WHERE lot_id = $1 ORDER BY recu_at, source', lotId)).map((r) => String(r.source)),
    lotByIdentifiant: (guichet, identifiantLot) =>
      one(
        `SELECT ${LOT_COLUMNS} FROM lots WHERE guichet = $1 AND identifiant_lot = $2 AND doublon_de IS NULL
           AND empreinte IS NOT NULL AND NOT (statut = 'REJETE' AND erreurs <> '[]')
         ORDER BY id LIMIT 1`,
        guichet,
        identifiantLot,
      ),
    getLot: (id) => one(`SELECT ${LOT_COLUMNS} FROM lots WHERE id = $1`, id),
    listLots: async () => (await sql.all(`SELECT ${LOT_COLUMNS} FROM lots ORDER BY id`)).map(toLot),
    lotResultats: async (lotId) => (await sql.all('SELECT * FROM lot_resultats WHERE lot_id = $1 ORDER BY position', lotId)).map(toResultat),
    lotOriginal: async (lotId) => (await sql.one('SELECT original FROM lots WHERE id = $1 AND supprime_at IS NULL', lotId))?.original as Buffer | undefined,
    lotRejeux: async (lotId) => (await sql.all('SELECT at, par, version, statut FROM lot_rejeux WHERE lot_id = $1 ORDER BY id', lotId)).map(toRejeu),
  };
}

export function lotsTx(sql: Sql): Omit<LotsTx, keyof LotsReads> {
  const recordReception = async (lotId: number, source: string, at: string): Promise<void> => {
    await sql.run('INSERT INTO lot_receptions (lot_id, source, recu_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', lotId, source, at);
  };
  const insertResultats = async (lotId: number, resultats: readonly ResultatRecord[]): Promise<void> => {
    if (resultats.length === 0) return;
    // One statement for the whole lot (up to thousands of demandes): one round trip, not one each.
    await sql.run(
      `INSERT INTO lot_resultats (lot_id, position, reference, type_fichier, statut, numero_unique, date_depot, date_echeance, erreurs)
       SELECT $1::bigint, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      lotId,
      resultats.map((r) => r.position),
      resultats.map((r) => r.reference ?? null),
      resultats.map((r) => r.typeFichier ?? null),
      resultats.map((r) => r.statut),
      resultats.map((r) => r.numeroUnique ?? null),
      resultats.map((r) => r.dateDepot ?? null),
      resultats.map((r) => r.dateEcheance ?? null),
      resultats.map((r) => JSON.stringify(r.erreurs)),
    );
  };
  return {
    insertLot: async (lot) => {
      const row = await sql.one(
        `INSERT INTO lots (message_sha256, message_id, expediteur, guichet, identifiant_lot, empreinte, statut,
           recu_at, traite_at, erreurs, doublon_de, original, canal)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        ...lotColumns(lot),
      );
      const lotId = Number(row!.id);
      if (lot.source !== undefined) await recordReception(lotId, lot.source, lot.recuAt);
      return lotId;
    },
    setLotStatut: async (lotId, statut) => {
      await sql.run('UPDATE lots SET statut = $1 WHERE id = $2', statut, lotId);
    },
    insertResultats,
    replaceLotOutcome: async (lotId, outcome, resultats) => {
      await sql.run(
        `UPDATE lots SET statut = $1, version = $2, erreurs = $3, traite_at = $4, guichet = COALESCE($5, guichet),
           identifiant_lot = COALESCE($6, identifiant_lot), empreinte = COALESCE($7, empreinte) WHERE id = $8`,
        ...lotOutcomeColumns(outcome),
        lotId,
      );
      await sql.run('DELETE FROM lot_resultats WHERE lot_id = $1', lotId);
      await insertResultats(lotId, resultats);
      await sql.run('INSERT INTO lot_rejeux (lot_id, at, par, version, statut) VALUES ($1, $2, $3, $4, $5)', ...rejeuColumns(lotId, outcome));
    },
    recordReception,
  };
}

export function lotsWrites(sql: Sql): Omit<LotsRegistry, keyof LotsReads> {
  return {
    lotOriginalSize: async (lotId) => {
      const row = await sql.one('SELECT octet_length(original) AS size FROM lots WHERE id = $1', lotId);
      return row === undefined ? undefined : Number(row.size);
    },
    deleteQuarantined: async (lotId, at, par) =>
      (await sql.run(
        `UPDATE lots SET original = ''::bytea, supprime_at = $1, supprime_par = $2
         WHERE id = $3 AND statut = 'QUARANTAINE' AND supprime_at IS NULL`,
        at.toISOString(),
        par,
        lotId,
      )) > 0,
  };
}

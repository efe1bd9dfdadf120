/** The dispatching part on PostgreSQL (src/registry/dispatching.ts). */
import type { DispatchingReads, DispatchingTx } from '../dispatching.js';
import { DISPATCHED_ACTIONS } from '../model.js';
import { dispatchColumns, str, toDemande, toDispatch, toDispatchEvent, toDispatchPass } from '../rows.js';
import type { Sql } from './connection.js';

export function dispatchingReads(sql: Sql): DispatchingReads {
  return {
    lastDispatchPass: async () => {
      const row = await sql.one('SELECT * FROM dispatch_passes ORDER BY jusqua DESC, jour DESC LIMIT 1');
      return row ? toDispatchPass(row) : undefined;
    },
    getDispatchPass: async (jour) => {
      const row = await sql.one('SELECT * FROM dispatch_passes WHERE jour = $1', jour);
      return row ? toDispatchPass(row) : undefined;
    },
    lastEventId: async () => Number((await sql.one('SELECT COALESCE(MAX(id), 0) AS id FROM evenements'))?.id ?? 0),
    dispatchEvents: async (after, upTo, limit) =>
      (
        await sql.all(
          `SELECT e.id, e.numero_unique, e.action, e.acteur, d.donnees FROM evenements e JOIN demandes d ON d.numero_unique = e.numero_unique
           WHERE e.id > $1 AND e.id <= $2 AND e.action = ANY($3::text[]) ORDER BY e.id LIMIT $4`,
          after,
          upTo,
          [...DISPATCHED_ACTIONS],
          limit,
        )
      ).map(toDispatchEvent),
    bailleursCommunes: async () => {
      const rows = await sql.all(`SELECT c.guichet, c.commune FROM guichet_communes c JOIN guichets g ON g.code = c.guichet WHERE g.actif = 1 ORDER BY c.guichet, c.commune`);
      const map = new Map<string, string[]>();
      for (const row of rows) {
        const list = map.get(String(row.guichet)) ?? [];
        list.push(String(row.commune));
        map.set(String(row.guichet), list);
      }
      return map;
    },
    dispatchEntries: async (ids) => {
      const rows = await sql.all(
        `SELECT e.id, e.numero_unique, e.action, e.acteur, e.at, e.details, d.* FROM evenements e
         JOIN demandes d ON d.numero_unique = e.numero_unique WHERE e.id = ANY($1::bigint[]) ORDER BY e.id`,
        [...ids],
      );
      return rows.map((row) => ({
        event: { ...toDispatchEvent(row), at: String(row.at), ...(str(row.details) === undefined ? {} : { details: JSON.parse(String(row.details)) as Record<string, string | number> }) },
        demande: toDemande(row),
      }));
    },
    listDispatches: async (guichet) =>
      (guichet === undefined
        ? await sql.all('SELECT * FROM dispatches ORDER BY jour DESC, guichet')
        : await sql.all('SELECT * FROM dispatches WHERE guichet = $1 ORDER BY sequence DESC', guichet)
      ).map(toDispatch),
  };
}

export function dispatchingTx(sql: Sql): Omit<DispatchingTx, keyof DispatchingReads> {
  return {
    insertDispatchPass: async (p) => void (await sql.run('INSERT INTO dispatch_passes (jour, apres, jusqua, at) VALUES ($1, $2, $3, $4)', p.jour, p.apres, p.jusqua, p.at)),
    nextDispatchSequence: async (guichet) =>
      Number((await sql.one('SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM dispatches WHERE guichet = $1', guichet))?.next),
    insertDispatch: async (d) =>
      void (await sql.run(
        'INSERT INTO dispatches (guichet, sequence, jour, apres, jusqua, evenements, outbox_id, message_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        ...dispatchColumns(d),
      )),
  };
}

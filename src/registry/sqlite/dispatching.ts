/** The dispatching part on SQLite (src/registry/dispatching.ts). */
import type { DispatchingReads, DispatchingTx } from '../dispatching.js';
import { DISPATCHED_ACTIONS } from '../model.js';
import { dispatchColumns, str, toDemande, toDispatch, toDispatchEvent, toDispatchPass } from '../rows.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

const ACTIONS = DISPATCHED_ACTIONS.map((a) => `'${a}'`).join(', ');
const EVENTS = `SELECT e.id, e.numero_unique, e.action, e.acteur, e.at, e.details, d.donnees FROM evenements e
  JOIN demandes d ON d.numero_unique = e.numero_unique`;

export function dispatchingReads(c: Statements): Sync<DispatchingReads> {
  return {
    lastDispatchPass: () => {
      const row = c.stmt('SELECT * FROM dispatch_passes ORDER BY jusqua DESC, jour DESC LIMIT 1').get() as Row | undefined;
      return row ? toDispatchPass(row) : undefined;
    },
    getDispatchPass: (jour) => {
      const row = c.stmt('SELECT * FROM dispatch_passes WHERE jour = ?').get(jour) as Row | undefined;
      return row ? toDispatchPass(row) : undefined;
    },
    lastEventId: () => Number(c.stmt('SELECT COALESCE(MAX(id), 0) AS id FROM evenements').pluck().get()),
    dispatchEvents: (after, upTo, limit) =>
      (c.stmt(`${EVENTS} WHERE e.id > ? AND e.id <= ? AND e.action IN (${ACTIONS}) ORDER BY e.id LIMIT ?`).all(after, upTo, limit) as Row[]).map(toDispatchEvent),
    bailleursCommunes: () => {
      const rows = c.stmt(`SELECT c.guichet, c.commune FROM guichet_communes c JOIN guichets g ON g.code = c.guichet WHERE g.actif = 1 ORDER BY c.guichet, c.commune`).all() as Row[];
      const map = new Map<string, string[]>();
      for (const row of rows) {
        const list = map.get(String(row.guichet)) ?? [];
        list.push(String(row.commune));
        map.set(String(row.guichet), list);
      }
      return map;
    },
    dispatchEntries: (ids) => {
      const get = c.stmt(`SELECT e.id, e.numero_unique, e.action, e.acteur, e.at, e.details, d.* FROM evenements e
        JOIN demandes d ON d.numero_unique = e.numero_unique WHERE e.id = ?`);
      return ids.map((id) => {
        const row = get.get(id) as Row;
        return {
          event: { ...toDispatchEvent(row), at: String(row.at), ...(str(row.details) === undefined ? {} : { details: JSON.parse(String(row.details)) as Record<string, string | number> }) },
          demande: toDemande(row),
        };
      });
    },
    listDispatches: (guichet) =>
      (guichet === undefined
        ? (c.stmt('SELECT * FROM dispatches ORDER BY jour DESC, guichet').all() as Row[])
        : (c.stmt('SELECT * FROM dispatches WHERE guichet = ? ORDER BY sequence DESC').all(guichet) as Row[])
      ).map(toDispatch),
  };
}

export function dispatchingTx(c: SqliteConnection): Sync<Omit<DispatchingTx, keyof DispatchingReads>> {
  return {
    insertDispatchPass: (p) => void c.stmt('INSERT INTO dispatch_passes (jour, apres, jusqua, at) VALUES (?, ?, ?, ?)').run(p.jour, p.apres, p.jusqua, p.at),
    nextDispatchSequence: (guichet) => Number(c.stmt('SELECT COALESCE(MAX(sequence), 0) + 1 FROM dispatches WHERE guichet = ?').pluck().get(guichet)),
    insertDispatch: (d) =>
      void c
        .stmt('INSERT INTO dispatches (guichet, sequence, jour, apres, jusqua, evenements, outbox_id, message_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(...dispatchColumns(d)),
  };
}

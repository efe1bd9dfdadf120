/** The outbox part on PostgreSQL (src/registry/outbox.ts). */
import type { OutboxReads, OutboxRegistry, OutboxTx } from '../outbox.js';
import { toOutbox } from '../sqlite/outbox.js';
import type { PostgresConnection, Sql } from './connection.js';

/** An outbox row with its message bytes, kept apart in `outbox_raw` and read only where a reply is sent or shown. */
const WITH_RAW = 'o.*, r.raw FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id';
/** Due replies are sent a batch at a time, so their bytes are never all in memory at once. */
const OUTBOX_BATCH = 100;

export function outboxReads(sql: Sql): OutboxReads {
  return {
    outboxForLot: async (lotId) => (await sql.all('SELECT * FROM outbox WHERE lot_id = $1 ORDER BY id', lotId)).map(toOutbox),
  };
}

export function outboxTx(sql: Sql): Omit<OutboxTx, keyof OutboxReads> {
  return {
    queueReply: async (item) => {
      const row = await sql.one(
        `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document)
         VALUES ($1, $2, $3, $4, 'A_PREPARER', $5) RETURNING id`,
        item.lotId,
        item.kind,
        item.messageId,
        JSON.stringify(item.destinataires),
        item.document,
      );
      return Number(row!.id);
    },
    requeueReply: async (outboxId, lotId) => {
      // The sealed bytes are copied as they are, inside the database: the same message, never rendered again.
      const row = await sql.one(
        `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document)
         SELECT $1::bigint, o.kind, o.message_id, o.destinataires, CASE WHEN r.id IS NULL THEN 'A_PREPARER' ELSE 'PRET' END,
           CASE WHEN r.id IS NULL THEN o.document ELSE '' END
         FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id WHERE o.id = $2
         RETURNING id`,
        lotId,
        outboxId,
      );
      if (!row) throw new Error(`no outbox item ${outboxId} to queue again`);
      const id = Number(row.id);
      await sql.run('INSERT INTO outbox_raw (id, raw) SELECT $1::bigint, raw FROM outbox_raw WHERE id = $2', id, outboxId);
      return id;
    },
  };
}

export function outboxWrites(c: PostgresConnection): Omit<OutboxRegistry, keyof OutboxReads> {
  const sql = c.sql;
  return {
    outboxToPrepare: async () => (await sql.all(`SELECT * FROM outbox WHERE statut = 'A_PREPARER' ORDER BY id`)).map(toOutbox),
    markPrepared: (id, raw) =>
      c.atomically(async (tx) => {
        if ((await tx.run(`UPDATE outbox SET statut = 'PRET', document = '' WHERE id = $1 AND statut = 'A_PREPARER'`, id)) !== 1) return false;
        await tx.run('INSERT INTO outbox_raw (id, raw) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET raw = excluded.raw', id, raw);
        return true;
      }),
    outboxDue: async (now) =>
      (
        await sql.all(
          `SELECT ${WITH_RAW} WHERE o.statut = 'PRET' AND (o.prochaine_tentative IS NULL OR o.prochaine_tentative <= $1)
           ORDER BY o.id LIMIT ${OUTBOX_BATCH}`,
          now.toISOString(),
        )
      ).map(toOutbox),
    markSent: async (id, at, refus) => {
      await sql.run(
        `UPDATE outbox SET statut = 'ENVOYE', envoye_at = $1, tentatives = tentatives + 1, restants = NULL,
           premiere_tentative = COALESCE(premiere_tentative, $1), refus = COALESCE($2, refus) WHERE id = $3`,
        at.toISOString(),
        refus === undefined ? null : JSON.stringify(refus),
        id,
      );
    },
    markAttemptFailed: async (id, attempt) => {
      await sql.run(
        `UPDATE outbox SET tentatives = tentatives + 1, derniere_erreur = $1, prochaine_tentative = $2,
           premiere_tentative = COALESCE(premiere_tentative, $3), restants = COALESCE($4, restants), refus = COALESCE($5, refus)
         WHERE id = $6`,
        attempt.error,
        attempt.nextAttempt.toISOString(),
        attempt.at.toISOString(),
        attempt.restants === undefined ? null : JSON.stringify(attempt.restants),
        attempt.refus === undefined ? null : JSON.stringify(attempt.refus),
        id,
      );
    },
    markOutboxFailed: async (id, at, error) => {
      await sql.run(
        `UPDATE outbox SET statut = 'ECHEC', echec_at = $1, derniere_erreur = $2, prochaine_tentative = NULL
         WHERE id = $3 AND statut = 'PRET'`,
        at.toISOString(),
        error,
        id,
      );
    },
    outboxNextAttempt: async () => {
      const row = await sql.one(`SELECT MIN(COALESCE(prochaine_tentative, '1970-01-01T00:00:00.000Z')) AS next FROM outbox WHERE statut = 'PRET'`);
      return row?.next === null || row?.next === undefined ? undefined : new Date(String(row.next));
    },
    outboxByStatut: async (statut) => (await sql.all('SELECT * FROM outbox WHERE statut = $1 ORDER BY id', statut)).map(toOutbox),
    getOutbox: async (id) => {
      const row = await sql.one(`SELECT ${WITH_RAW} WHERE o.id = $1`, id);
      return row ? toOutbox(row) : undefined;
    },
    retryOutbox: (id, at, par) =>
      c.atomically(async (tx) => {
        // Locked, so that two retries at once each record their relance.
        const row = await tx.one('SELECT * FROM outbox WHERE id = $1 FOR UPDATE', id);
        const item = row && toOutbox(row);
        if (!item || (item.statut !== 'PRET' && item.statut !== 'ECHEC')) return undefined;
        const relances = [...item.relances, { at: at.toISOString(), par, statutAvant: item.statut }];
        // From ECHEC: due now with a new lifetime (it counts from the next first attempt).
        await tx.run(
          `UPDATE outbox SET statut = 'PRET', prochaine_tentative = $1, relances = $2,
             premiere_tentative = CASE WHEN statut = 'ECHEC' THEN NULL ELSE premiere_tentative END, echec_at = NULL
           WHERE id = $3`,
          at.toISOString(),
          JSON.stringify(relances),
          id,
        );
        return 'PRET' as const;
      }),
  };
}

/** The outbox part on PostgreSQL (src/registry/outbox.ts). */
import { attemptColumns, toOutbox, toOutboxDepth } from '../rows.js';
import type { OutboxClaim } from '../model.js';
import type { OutboxReads, OutboxRegistry, OutboxTx } from '../outbox.js';
import type { PostgresConnection, Row, Sql } from './connection.js';

/** An outbox row with its message bytes, kept apart in `outbox_raw` and read only where a reply is sent or shown. */
const WITH_RAW = 'o.*, r.raw FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id';
/** Replies are prepared and sent a batch at a time, so their bytes are never all in memory at once. */
const OUTBOX_BATCH = 100;
/** An attempt's outcome ends the claim: the next attempt is anyone's. */
const RELEASED = 'claimed_by = NULL, claimed_until = NULL';
/** Not claimed, or claimed by an instance whose claim has expired (`$n`: now). */
const unclaimed = (now: string) => `(claimed_until IS NULL OR claimed_until <= ${now})`;

export function outboxReads(sql: Sql): OutboxReads {
  return {
    outboxForLot: async (lotId) => (await sql.all('SELECT * FROM outbox WHERE lot_id = $1 ORDER BY id', lotId)).map(toOutbox),
    guichetDocuments: async (guichet, depuis) =>
      (await sql.all(`SELECT * FROM outbox WHERE queued_at >= $2 AND (
         (kind = 'copie' AND lot_id IN (SELECT id FROM lots WHERE guichet = $1))
      OR (kind = 'dispatching' AND id IN (SELECT outbox_id FROM dispatches WHERE guichet = $1))
      OR (kind = 'preavis' AND id IN (SELECT outbox_guichet FROM preavis WHERE guichet = $1))) ORDER BY id`, guichet, depuis)).map(toOutbox),
  };
}

export function outboxTx(sql: Sql): Omit<OutboxTx, keyof OutboxReads> {
  return {
    queueReply: async (item) => {
      const row = await sql.one(
        `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document, queued_at)
         VALUES ($1, $2, $3, $4, 'A_PREPARER', $5, $6) RETURNING id`,
        item.lotId ?? null,
        item.kind,
        item.messageId,
        JSON.stringify(item.destinataires),
        item.document,
        item.queuedAt,
      );
      return Number(row!.id);
    },
    requeueReply: async (outboxId, lotId, queuedAt, destinataires) => {
      // The sealed bytes are copied as they are, inside the database: the same message, never rendered again.
      const row = await sql.one(
        `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document, queued_at)
         SELECT $1::bigint, o.kind, o.message_id, COALESCE($4, o.destinataires), CASE WHEN r.id IS NULL THEN 'A_PREPARER' ELSE 'PRET' END,
           CASE WHEN r.id IS NULL THEN o.document ELSE '' END, $3
         FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id WHERE o.id = $2
         RETURNING id`,
        lotId,
        outboxId,
        queuedAt,
        destinataires === undefined ? null : JSON.stringify(destinataires),
      );
      if (!row) throw new Error(`no outbox item ${outboxId} to queue again`);
      const id = Number(row.id);
      await sql.run('INSERT INTO outbox_raw (id, raw) SELECT $1::bigint, raw FROM outbox_raw WHERE id = $2', id, outboxId);
      return id;
    },
  };
}

export function outboxWrites(c: PostgresConnection): Omit<OutboxRegistry, keyof OutboxReads> {
  // Bookkeeping: a write lost in a server crash makes a reply prepared or sent again (connection.ts).
  const sql = c.relaxed;
  /**
   * The first batch of rows matching `where` (its parameters from $3), claimed for `claim.holder`
   * ($1, until $2), in id order. SKIP LOCKED: rows another instance is claiming right now are
   * left to it rather than waited for.
   */
  const claimBatch = async (where: string, params: readonly unknown[], claim: OutboxClaim, columns = 'o.*'): Promise<Row[]> =>
    (
      await sql.all(
        `WITH claimed AS (
           UPDATE outbox SET claimed_by = $1, claimed_until = $2
           WHERE id IN (SELECT id FROM outbox WHERE ${where} ORDER BY id LIMIT ${OUTBOX_BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING id)
         SELECT ${columns} FROM outbox o JOIN claimed USING (id) ${columns === 'o.*' ? '' : 'LEFT JOIN outbox_raw r ON r.id = o.id'} ORDER BY o.id`,
        claim.holder,
        claim.until.toISOString(),
        ...params,
      )
    );
  return {
    outboxToPrepare: async (claim) =>
      (await claimBatch(`statut = 'A_PREPARER' AND ${unclaimed('$3')}`, [claim.now.toISOString()], claim)).map(toOutbox),
    markPrepared: async (id, raw) =>
      // One statement: the row leaves A_PREPARER and its bytes are stored together, or neither.
      (await sql.run(
        `WITH prepared AS (UPDATE outbox SET statut = 'PRET', document = '' WHERE id = $1 AND statut = 'A_PREPARER' RETURNING id)
         INSERT INTO outbox_raw (id, raw) SELECT id, $2 FROM prepared ON CONFLICT (id) DO UPDATE SET raw = excluded.raw`,
        id,
        raw,
      )) === 1,
    outboxDue: async (claim) =>
      // The holder's own claims too: replies it prepared and did not send (an interrupted pass).
      (
        await claimBatch(
          `statut = 'PRET' AND (prochaine_tentative IS NULL OR prochaine_tentative <= $3) AND (claimed_by = $1 OR ${unclaimed('$3')})`,
          [claim.now.toISOString()],
          claim,
          'o.*, r.raw',
        )
      ).map(toOutbox),
    renewOutboxClaim: async (id, claim) =>
      (await sql.run(
        `UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND statut = 'PRET' AND (claimed_by = $1 OR ${unclaimed('$4')})`,
        claim.holder,
        claim.until.toISOString(),
        id,
        claim.now.toISOString(),
      )) === 1,
    markSent: async (id, at, refus) => {
      await sql.run(
        `UPDATE outbox SET statut = 'ENVOYE', envoye_at = $1, tentatives = tentatives + 1, restants = NULL, ${RELEASED},
           premiere_tentative = COALESCE(premiere_tentative, $1), refus = COALESCE($2, refus) WHERE id = $3`,
        at.toISOString(),
        refus === undefined ? null : JSON.stringify(refus),
        id,
      );
    },
    markAttemptFailed: async (id, attempt) => {
      await sql.run(
        `UPDATE outbox SET tentatives = tentatives + 1, derniere_erreur = $1, prochaine_tentative = $2, ${RELEASED},
           premiere_tentative = COALESCE(premiere_tentative, $3), restants = COALESCE($4, restants), refus = COALESCE($5, refus)
         WHERE id = $6`,
        ...attemptColumns(attempt),
        id,
      );
    },
    markOutboxFailed: async (id, at, error) => {
      await sql.run(
        `UPDATE outbox SET statut = 'ECHEC', echec_at = $1, derniere_erreur = $2, prochaine_tentative = NULL, ${RELEASED}
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
    outboxDepth: async (guichets) =>
      (
        guichets === undefined
          ? await sql.all(
              `SELECT statut, COUNT(*) AS replies, MIN(queued_at) AS oldest FROM outbox
               WHERE statut IN ('A_PREPARER', 'PRET', 'ECHEC') GROUP BY statut ORDER BY statut`,
            )
          : await sql.all(
              `SELECT statut, COUNT(*) AS replies, MIN(queued_at) AS oldest FROM outbox
               WHERE statut IN ('A_PREPARER', 'PRET', 'ECHEC') AND lot_id IN (SELECT id FROM lots WHERE guichet = ANY($1::text[]))
               GROUP BY statut ORDER BY statut`,
              [...guichets],
            )
      ).map(toOutboxDepth),
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
          `UPDATE outbox SET statut = 'PRET', prochaine_tentative = $1, relances = $2, ${RELEASED},
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

/** The outbox part on SQLite (src/registry/outbox.ts). */
import { attemptColumns, toOutbox, toOutboxDepth } from '../rows.js';
import type { OutboxClaim, OutboxItem } from '../model.js';
import type { OutboxReads, OutboxRegistry, OutboxTx } from '../outbox.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

/** An outbox row with its message bytes, kept apart in `outbox_raw` and read only where a reply is sent or shown. */
const WITH_RAW = 'o.*, r.raw FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id';
/** Replies are prepared and sent a batch at a time, so their bytes are never all in memory at once. */
const OUTBOX_BATCH = 100;
/** Not claimed, or claimed by an instance whose claim has expired (`?`: now). */
/** An attempt's outcome ends the claim: the next attempt is anyone's. */
const RELEASED = 'claimed_by = NULL, claimed_until = NULL';
const UNCLAIMED = '(claimed_until IS NULL OR claimed_until <= ?)';

/** The statut index keeps it to the waiting rows. */
const OUTBOX_DEPTH = `SELECT statut, COUNT(*) AS replies, MIN(queued_at) AS oldest FROM outbox
  WHERE statut IN ('A_PREPARER', 'PRET', 'ECHEC') GROUP BY statut ORDER BY statut`;
/** The same, for the lots of the guichets listed in the parameter (a JSON array). */
const OUTBOX_DEPTH_OF = `SELECT statut, COUNT(*) AS replies, MIN(queued_at) AS oldest FROM outbox
  WHERE statut IN ('A_PREPARER', 'PRET', 'ECHEC')
    AND lot_id IN (SELECT id FROM lots WHERE guichet IN (SELECT value FROM json_each(?)))
  GROUP BY statut ORDER BY statut`;

export function outboxReads(c: Statements): Sync<OutboxReads> {
  return {
    outboxForLot: (lotId) => (c.stmt(`SELECT * FROM outbox WHERE lot_id = ? ORDER BY id`).all(lotId) as Row[]).map(toOutbox),
    guichetDocuments: (guichet, depuis) =>
      (c.stmt(`SELECT * FROM outbox WHERE queued_at >= @depuis AND (
         (kind = 'copie' AND lot_id IN (SELECT id FROM lots WHERE guichet = @guichet))
      OR (kind = 'dispatching' AND id IN (SELECT outbox_id FROM dispatches WHERE guichet = @guichet))
      OR (kind = 'preavis' AND id IN (SELECT outbox_guichet FROM preavis WHERE guichet = @guichet))) ORDER BY id`).all({ guichet, depuis }) as Row[]).map(toOutbox),
  };
}

export function outboxTx(c: SqliteConnection): Sync<Omit<OutboxTx, keyof OutboxReads>> {
  return {
    queueReply: (item) =>
      Number(
        c
          .stmt(
            `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document, queued_at)
             VALUES (?, ?, ?, ?, 'A_PREPARER', ?, ?)`,
          )
          .run(item.lotId ?? null, item.kind, item.messageId, JSON.stringify(item.destinataires), item.document, item.queuedAt).lastInsertRowid,
      ),
    requeueReply: (outboxId, lotId, queuedAt, destinataires) => {
      // The sealed bytes are copied as they are, inside SQLite: the same message, never rendered again.
      const id = Number(
        c
          .stmt(
            `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document, queued_at)
             SELECT ?, o.kind, o.message_id, COALESCE(?, o.destinataires), CASE WHEN r.id IS NULL THEN 'A_PREPARER' ELSE 'PRET' END,
               CASE WHEN r.id IS NULL THEN o.document ELSE '' END, ?
             FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id WHERE o.id = ?`,
          )
          .run(lotId, destinataires === undefined ? null : JSON.stringify(destinataires), queuedAt, outboxId).lastInsertRowid,
      );
      c.stmt('INSERT INTO outbox_raw (id, raw) SELECT ?, raw FROM outbox_raw WHERE id = ?').run(id, outboxId);
      return id;
    },
  };
}

export function outboxWrites(c: SqliteConnection): Sync<Omit<OutboxRegistry, keyof OutboxReads | keyof OutboxOutsideReads>> {
  /** The first batch of rows matching `where`, claimed for `claim.holder`, in id order. */
  const claimBatch = (where: string, params: readonly unknown[], claim: OutboxClaim): Row[] =>
    c.db
      .transaction(() =>
        (
          c
            .stmt(
              `UPDATE outbox SET claimed_by = ?, claimed_until = ?
               WHERE id IN (SELECT id FROM outbox WHERE ${where} ORDER BY id LIMIT ${OUTBOX_BATCH}) RETURNING *`,
            )
            .all(claim.holder, claim.until.toISOString(), ...params) as Row[]
        ).sort((a, b) => Number(a.id) - Number(b.id)),
      )
      .immediate();
  const { getOutbox } = outboxOutsideReads(c);
  return {
    outboxToPrepare: (claim) => claimBatch(`statut = 'A_PREPARER' AND ${UNCLAIMED}`, [claim.now.toISOString()], claim).map(toOutbox),
    markPrepared: (id, raw) =>
      c.db.transaction(() => {
        if (c.stmt(`UPDATE outbox SET statut = 'PRET', document = '' WHERE id = ? AND statut = 'A_PREPARER'`).run(id).changes !== 1) return false;
        c.stmt('INSERT OR REPLACE INTO outbox_raw (id, raw) VALUES (?, ?)').run(id, raw);
        return true;
      })(),
    outboxDue: (claim) => {
      const now = claim.now.toISOString();
      // The holder's own claims too: replies it prepared and did not send (an interrupted pass).
      const claimed = claimBatch(
        `statut = 'PRET' AND (prochaine_tentative IS NULL OR prochaine_tentative <= ?) AND (claimed_by = ? OR ${UNCLAIMED})`,
        [now, claim.holder, now],
        claim,
      );
      return claimed.map((row) => toOutbox({ ...row, raw: (c.stmt('SELECT raw FROM outbox_raw WHERE id = ?').get(row.id) as Row | undefined)?.raw ?? null }));
    },
    renewOutboxClaim: (id, claim) =>
      c
        .stmt(`UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ? AND statut = 'PRET' AND (claimed_by = ? OR ${UNCLAIMED})`)
        .run(claim.holder, claim.until.toISOString(), id, claim.holder, claim.now.toISOString()).changes === 1,
    markSent: (id, at, refus) => {
      c.stmt(
        `UPDATE outbox SET statut = 'ENVOYE', envoye_at = ?, tentatives = tentatives + 1, restants = NULL, ${RELEASED},
           premiere_tentative = COALESCE(premiere_tentative, ?), refus = COALESCE(?, refus) WHERE id = ?`,
      ).run(at.toISOString(), at.toISOString(), refus === undefined ? null : JSON.stringify(refus), id);
    },
    markAttemptFailed: (id, attempt) => {
      c.stmt(
        `UPDATE outbox SET tentatives = tentatives + 1, derniere_erreur = ?, prochaine_tentative = ?, ${RELEASED},
           premiere_tentative = COALESCE(premiere_tentative, ?), restants = COALESCE(?, restants), refus = COALESCE(?, refus)
         WHERE id = ?`,
      ).run(...attemptColumns(attempt), id);
    },
    markOutboxFailed: (id, at, error) => {
      c.stmt(
        `UPDATE outbox SET statut = 'ECHEC', echec_at = ?, derniere_erreur = ?, prochaine_tentative = NULL, ${RELEASED}
         WHERE id = ? AND statut = 'PRET'`,
      ).run(at.toISOString(), error, id);
    },
    retryOutbox: (id, at, par) =>
      c.db
        .transaction(() => {
          const item = getOutbox(id);
          if (!item || (item.statut !== 'PRET' && item.statut !== 'ECHEC')) return undefined;
          const relances = [...item.relances, { at: at.toISOString(), par, statutAvant: item.statut }];
          // From ECHEC: due now with a new lifetime (it counts from the next first attempt).
          c.stmt(
            `UPDATE outbox SET statut = 'PRET', prochaine_tentative = ?, relances = ?, ${RELEASED},
               premiere_tentative = CASE WHEN statut = 'ECHEC' THEN NULL ELSE premiere_tentative END, echec_at = NULL
             WHERE id = ?`,
          ).run(at.toISOString(), JSON.stringify(relances), id);
          return 'PRET' as const;
        })
        .immediate(),
  };
}

/** The outbox's reads that are not part of a transaction's `tx` (the gauges, a reply shown). */
export type OutboxOutsideReads = Pick<OutboxRegistry, 'outboxNextAttempt' | 'outboxByStatut' | 'outboxDepth' | 'getOutbox'>;

export function outboxOutsideReads(c: Statements): Sync<OutboxOutsideReads> {
  const getOutbox = (id: number): OutboxItem | undefined => {
    const row = c.stmt(`SELECT ${WITH_RAW} WHERE o.id = ?`).get(id) as Row | undefined;
    return row ? toOutbox(row) : undefined;
  };
  return {
    outboxNextAttempt: () => {
      const row = c.stmt(`SELECT MIN(COALESCE(prochaine_tentative, '1970-01-01T00:00:00.000Z')) AS next FROM outbox WHERE statut = 'PRET'`).get() as Row;
      return row.next === null || row.next === undefined ? undefined : new Date(String(row.next));
    },
    outboxByStatut: (statut) => (c.stmt(`SELECT * FROM outbox WHERE statut = ? ORDER BY id`).all(statut) as Row[]).map(toOutbox),
    outboxDepth: (guichets) =>
      (guichets === undefined ? (c.stmt(OUTBOX_DEPTH).all() as Row[]) : (c.stmt(OUTBOX_DEPTH_OF).all(JSON.stringify(guichets)) as Row[])).map(toOutboxDepth),
    getOutbox,
  };
}

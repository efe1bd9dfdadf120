/**
 * The daily dispatching pass (spec 8): every CRE, REN, MOD and RAD event the audit trail recorded
 * since the previous pass goes, in one digest per bailleur, to every bailleur with housing stock
 * in one of its demande's communes souhaitées — except the guichet that made it.
 *
 * A pass covers the audit events whose ids are in (previous pass's end, greatest id it reads]. It
 * reads, decides and queues inside one registry transaction, which records the pass's window,
 * each digest's sequence number and its outbox row together: a crash leaves all or nothing, and
 * the next pass starts exactly where the last committed one ended. Registry transactions run one
 * at a time (SQLite's lock, PostgreSQL's advisory lock: every instance), so no event with a lower
 * id can commit after the pass has read the greatest one (docs/decisions.md, "Dispatching").
 */
import { parisDate } from '../clock.js';
import type { DispatchPass, DispatchRecord } from '../registry/model.js';
import type { Registry, RegistryReads } from '../registry/registry.js';
import { encodeDocument } from './documents.js';
import { dispatchingMessageId } from './message-ids.js';

/** Events read at a time: the window of a busy day is never all in memory with its demandes. */
const EVENT_BATCH = 5_000;

export interface DispatchPlan {
  readonly jour: string;
  readonly apres: number;
  readonly jusqua: number;
  /** One per concerned bailleur, by guichet code, with its events' ids in order. */
  readonly digests: ReadonlyMap<string, readonly number[]>;
  /** Events in the window (dispatched to somebody or not). */
  readonly evenements: number;
}

/** What the pass of `jour` would send, from the registry as `reads` sees it (nothing is changed). */
export async function planDispatch(reads: RegistryReads, jour: string): Promise<DispatchPlan> {
  const apres = (await reads.lastDispatchPass())?.jusqua ?? 0;
  const jusqua = await reads.lastEventId();
  const byCommune = new Map<string, string[]>();
  for (const [guichet, communes] of await reads.bailleursCommunes()) {
    for (const commune of communes) byCommune.set(commune, [...(byCommune.get(commune) ?? []), guichet]);
  }
  const digests = new Map<string, number[]>();
  let evenements = 0;
  for (let after = apres; after < jusqua; ) {
    const batch = await reads.dispatchEvents(after, jusqua, EVENT_BATCH);
    if (batch.length === 0) break;
    for (const event of batch) {
      evenements++;
      const bailleurs = new Set(event.communes.flatMap((c) => byCommune.get(c) ?? []));
      // Its own events are no news to a bailleur.
      bailleurs.delete(event.acteur.startsWith('guichet:') ? event.acteur.slice('guichet:'.length) : '');
      for (const b of bailleurs) {
        const ids = digests.get(b);
        if (ids) ids.push(event.id);
        else digests.set(b, [event.id]);
      }
    }
    after = batch[batch.length - 1]!.id;
  }
  return { jour, apres, jusqua, digests: new Map([...digests].sort(([a], [b]) => a.localeCompare(b))), evenements };
}

export type DispatchOutcome =
  | { readonly kind: 'done'; readonly pass: DispatchPass; readonly digests: readonly DispatchRecord[]; readonly evenements: number }
  /** The pass of that day ran already: what it queued. */
  | { readonly kind: 'already'; readonly pass: DispatchPass; readonly digests: readonly DispatchRecord[] }
  /** A later day's pass ran already: its window covers this day's events. */
  | { readonly kind: 'later'; readonly pass: DispatchPass };

export interface DispatchSettings {
  readonly messageIdDomain: string;
}

/** Runs the pass of `jour` (`YYYY-MM-DD`) at instant `at`: idempotent, a second run of the day queues nothing. */
export async function runDispatch(registry: Registry, jour: string, at: Date, settings: DispatchSettings): Promise<DispatchOutcome> {
  return await registry.transaction(async (tx) => {
    const done = await tx.getDispatchPass(jour);
    if (done) return { kind: 'already', pass: done, digests: (await tx.listDispatches()).filter((d) => d.jour === jour) };
    const last = await tx.lastDispatchPass();
    if (last && last.jour > jour) return { kind: 'later', pass: last };
    const plan = await planDispatch(tx, jour);
    const pass: DispatchPass = { jour, apres: plan.apres, jusqua: plan.jusqua, at: at.toISOString() };
    await tx.insertDispatchPass(pass);
    const digests: DispatchRecord[] = [];
    for (const [code, evenements] of plan.digests) {
      const guichet = (await tx.getGuichet(code))!;
      const sequence = await tx.nextDispatchSequence(code);
      const messageId = dispatchingMessageId(settings.messageIdDomain, code, sequence);
      const outboxId = await tx.queueReply({
        kind: 'dispatching',
        messageId,
        // A guichet on the HTTPS channel fetches it (GET /v1/documents): stored, not mailed.
        destinataires: guichet.canal === 'https' ? [] : guichet.destinataires,
        document: encodeDocument({ kind: 'dispatching', data: { guichet: code, sequence, jour, genere: pass.at, evenements } }),
        queuedAt: pass.at,
      });
      const record: DispatchRecord = { guichet: code, sequence, jour, apres: plan.apres, jusqua: plan.jusqua, evenements: evenements.length, outboxId, messageId, at: pass.at };
      await tx.insertDispatch(record);
      digests.push(record);
    }
    return { kind: 'done', pass, digests, evenements: plan.evenements };
  });
}

const PARIS_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' });

/** The day whose pass is due at `now`: today (Paris) from `hour` on; undefined before it. */
export function dispatchDue(now: Date, hour: number): string | undefined {
  return Number(PARIS_HOUR.format(now)) >= hour ? parisDate(now) : undefined;
}

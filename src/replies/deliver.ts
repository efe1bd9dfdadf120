/**
 * Hands every prepared reply to the sender until it is accepted, Postfix's queue discipline: a
 * failed attempt is retried after a delay doubling from one minute to one hour, recorded in the
 * registry so that it holds across restarts; recipients the server refused are recorded and
 * retried alone; after its lifetime (5 days) a reply is marked ECHEC and reported, never dropped.
 */
import type { Clock } from '../clock.js';
import { withoutAddresses, type Logger } from '../log.js';
import type { RecipientRejection, ReplySender } from '../mail/types.js';
import { outboxClaim, THIS_PROCESS, type Instance } from '../instance.js';
import { ACTEUR_PASSERELLE, type OutboxItem, type OutboxRefus } from '../registry/model.js';
import { ACTION_PREAVIS_ACCEPTE } from './preavis/issue.js';
import type { Registry } from '../registry/registry.js';

export interface RetryPolicy {
  /** Delay after the first failure, doubled after each one up to `maxMs`. */
  readonly minMs: number;
  readonly maxMs: number;
  /** From the first attempt; past it a failed reply is given up (ECHEC). */
  readonly lifetimeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { minMs: 60_000, maxMs: 3_600_000, lifetimeMs: 5 * 24 * 3_600_000 };

export interface DeliverDeps {
  readonly registry: Registry;
  readonly sender: ReplySender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The gateway's address: the envelope sender of every reply. */
  readonly from: string;
  readonly retry?: RetryPolicy;
  /** Stops between two replies (daemon shutdown); the rest stays due. */
  readonly signal?: AbortSignal;
  /** Who claims the replies it sends (several instances, spec 10); this process by default. */
  readonly instance?: Instance;
}

export interface DrainSummary {
  readonly sent: number;
  readonly deferred: number;
  /** Given up after their lifetime in this drain. */
  readonly failed: number;
}

/** Postfix-like retry: `minMs` after the first failure, doubling, at most `maxMs` between attempts. */
export function nextAttemptDelayMs(failures: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  return Math.min(policy.minMs * 2 ** Math.max(0, failures - 1), policy.maxMs);
}

/** Hands every due reply to the sender; a refusal is retried later, never dropped. */
export async function drainOutbox(deps: DeliverDeps): Promise<DrainSummary> {
  const summary = { sent: 0, deferred: 0, failed: 0 };
  const seen = new Set<number>();
  // Batch after batch: each reply handled leaves the due set (sent, deferred or failed).
  const due = () => deps.registry.outboxDue(outboxClaim(deps.instance ?? THIS_PROCESS, deps.clock));
  for (let batch = await due(); batch.length > 0; batch = await due()) {
    const fresh = batch.filter((item) => !seen.has(item.id));
    if (fresh.length === 0) break; // a reply that stays due after its attempt: next pass
    for (const item of fresh) {
      if (deps.signal?.aborted) return summary;
      seen.add(item.id);
      const outcome = await deliverReply(item, deps);
      if (outcome !== 'taken') summary[outcome]++;
    }
  }
  return summary;
}

/**
 * What became of a reply handed to `deliverReply`: `taken` when another instance holds it now
 * (its claim expired while it waited here), which sends it instead.
 */
export type DeliveryOutcome = keyof DrainSummary | 'taken';

/**
 * A préavis accepted (spec 5.3): its first acceptance kept and the audit trail's event, in one
 * transaction, before the reply is marked sent — a crash between the two sends it again and
 * records a second acceptance, never a préavis sent without its proof.
 */
async function recordAcceptance(item: OutboxItem, deps: DeliverDeps, at: Date, canal: 'mail' | 'https'): Promise<void> {
  if (item.kind !== 'preavis') return;
  await deps.registry.transaction(async (tx) => {
    const accepted = await tx.markPreavisAccepted(item.id, at.toISOString());
    if (accepted === undefined) return;
    await tx.insertEvent({
      numeroUnique: accepted.preavis.numeroUnique,
      action: ACTION_PREAVIS_ACCEPTE,
      acteur: ACTEUR_PASSERELLE,
      at: at.toISOString(),
      details: { anniversaire: accepted.preavis.anniversaire, destinataire: accepted.copie, canal },
    });
  });
}

/** One prepared reply (its bytes in `raw`) to the sender: sent, deferred, or given up after its lifetime. */
export async function deliverReply(item: OutboxItem, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const log = deps.logger.child({ outbox: item.id, lotId: item.lotId, kind: item.kind });
  // Renewed right before sending: no two instances send one reply at once.
  if (!(await deps.registry.renewOutboxClaim(item.id, outboxClaim(deps.instance ?? THIS_PROCESS, deps.clock)))) {
    log.debug('reply held by another instance; left to it');
    return 'taken';
  }
  const to = item.restants ?? item.destinataires;
  if (to.length === 0) {
    // A reply of a lot received over HTTPS (queue.ts): stored is delivered, the guichet fetches it.
    await recordAcceptance(item, deps, deps.clock.now(), 'https');
    await deps.registry.markSent(item.id, deps.clock.now());
    log.debug('reply kept for the guichet to fetch');
    return 'sent';
  }
  let rejected: readonly RecipientRejection[];
  try {
    const report = await deps.sender.send({ messageId: item.messageId, from: deps.from, to, raw: item.raw! });
    rejected = report?.rejected ?? [];
  } catch (error) {
    return await failed(item, deps, log, error instanceof Error ? error.message : String(error));
  }
  const at = deps.clock.now();
  const refus = rejected.length === 0 ? undefined : mergeRefus(item.refus, rejected, at);
  if (rejected.length === 0) {
    await recordAcceptance(item, deps, at, 'mail');
    await deps.registry.markSent(item.id, at);
    log.info({ recipients: to.length, attempts: item.tentatives + 1 }, 'reply sent');
    return 'sent';
  }
  const refused = new Set(rejected.map((r) => r.address.toLowerCase()));
  const restants = to.filter((address) => refused.has(address.toLowerCase()));
  const summary = `${rejected.length} destinataire(s) refusé(s) sur ${to.length} : ${rejected.map((r) => r.response).join(' ; ')}`;
  log.warn({ refused: rejected.length, recipients: to.length }, 'recipients refused; retried later');
  return await failed(item, deps, log, summary, { restants: restants.length > 0 ? restants : to, refus: refus! });
}

async function failed(
  item: OutboxItem,
  deps: DeliverDeps,
  log: Logger,
  error: string,
  partial: { restants?: readonly string[]; refus?: readonly OutboxRefus[] } = {},
): Promise<keyof DrainSummary> {
  const policy = deps.retry ?? DEFAULT_RETRY;
  const at = deps.clock.now();
  const first = item.premiereTentative === undefined ? at : new Date(item.premiereTentative);
  if (at.getTime() - first.getTime() >= policy.lifetimeMs) {
    await deps.registry.markAttemptFailed(item.id, { at, error, nextAttempt: at, ...partial });
    await deps.registry.markOutboxFailed(item.id, at, error);
    log.error({ attempts: item.tentatives + 1, since: first.toISOString() }, 'reply given up after its lifetime (ECHEC)');
    return 'failed';
  }
  const nextAttempt = new Date(at.getTime() + nextAttemptDelayMs(item.tentatives + 1, policy));
  await deps.registry.markAttemptFailed(item.id, { at, error, nextAttempt, ...partial });
  // A server's refusal may quote a recipient (the demandeur's own address, for its copy): the
  // registry keeps the whole answer for the gestionnaire, the log only its shape.
  log.warn({ attempts: item.tentatives + 1, next: nextAttempt.toISOString(), reason: withoutAddresses(error) }, 'reply deferred');
  return 'deferred';
}

/** The last refusal of each recipient: a new answer replaces the older one of the same address. */
function mergeRefus(previous: readonly OutboxRefus[], rejected: readonly RecipientRejection[], at: Date): OutboxRefus[] {
  const merged = new Map(previous.map((r) => [r.adresse.toLowerCase(), r]));
  for (const r of rejected) merged.set(r.address.toLowerCase(), { adresse: r.address, reponse: r.response, at: at.toISOString() });
  return [...merged.values()];
}

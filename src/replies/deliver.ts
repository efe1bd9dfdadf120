/**
 * Hands every prepared reply to the sender until it is accepted (Postfix's queue discipline:
 * a refusal is retried later with a growing delay, never dropped). Resumes from the registry.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ReplySender } from '../mail/types.js';
import type { Registry } from '../registry/types.js';

export interface DeliverDeps {
  readonly registry: Registry;
  readonly sender: ReplySender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The gateway's address: the envelope sender of every reply. */
  readonly from: string;
}

/** Postfix-like retry: one minute, doubling, at most one hour between attempts. */
export function nextAttemptDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts), 3_600_000);
}

/** Hands every due reply to the sender; a refusal is retried later, never dropped. */
export async function drainOutbox(deps: DeliverDeps): Promise<{ sent: number; deferred: number }> {
  let sent = 0;
  let deferred = 0;
  for (const item of deps.registry.outboxDue(deps.clock.now())) {
    try {
      await deps.sender.send({ messageId: item.messageId, from: deps.from, to: item.destinataires, raw: item.raw! });
      deps.registry.markSent(item.id, deps.clock.now());
      sent++;
    } catch (error) {
      const next = new Date(deps.clock.now().getTime() + nextAttemptDelayMs(item.tentatives));
      deps.registry.markAttemptFailed(item.id, error instanceof Error ? error.message : String(error), next);
      deps.logger.warn({ outbox: item.id, lotId: item.lotId, err: error, next }, 'reply deferred');
      deferred++;
    }
  }
  return { sent, deferred };
}

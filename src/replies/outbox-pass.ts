/**
 * One pass of the outbox: every reply waiting to be prepared is rendered, sealed and stored, and
 * each is handed to the sender as soon as it is stored rather than after the last one, so that
 * sending a lot's thousand replies overlaps their rendering; then whatever else is due (retries,
 * replies of an interrupted pass) is drained. A reply reaches the sender only once its bytes are
 * committed (Postfix's queue discipline): a crash at any point leaves it PRET, sent on the next pass.
 */
import type { OutboxItem } from '../registry/model.js';
import { deliverReply, drainOutbox, type DeliverDeps, type DrainSummary } from './deliver.js';
import { prepareReplies, type PrepareDeps } from './prepare.js';

export interface OutboxPassSummary extends DrainSummary {
  readonly prepared: number;
}

/** Replies stored but not yet sent, at most; beyond, preparation waits (a slow server). */
const MAX_WAITING = 32;

export async function outboxPass(deps: PrepareDeps & DeliverDeps): Promise<OutboxPassSummary> {
  const summary = { sent: 0, deferred: 0, failed: 0 };
  // Started in the order they were stored, as `drainOutbox` does, at most `concurrency` at once
  // (a sender that says nothing takes them one at a time).
  const concurrency = Math.max(1, deps.sender.concurrency ?? 1);
  const running = new Set<Promise<void>>();
  let starting: Promise<void> = Promise.resolve();
  let waiting = 0;
  let failure: { error: unknown } | undefined;
  const deliver = async (ready: OutboxItem): Promise<void> => {
    try {
      if (failure === undefined && deps.signal?.aborted !== true) {
        const outcome = await deliverReply(ready, deps);
        if (outcome !== 'taken') summary[outcome]++;
      }
    } catch (error) {
      // The registry failed to record an outcome: stop handing over; the next pass resumes from what it holds.
      failure ??= { error };
    } finally {
      waiting--;
    }
  };
  const handOver = async (ready: OutboxItem): Promise<void> => {
    waiting++;
    // Anything but an attestation (a lot's compte rendu) goes alone, after what was handed over
    // before it and before what comes after: the guichet gets a lot's compte rendu first.
    const alone = ready.kind !== 'attestation';
    starting = starting.then(async () => {
      if (alone) await Promise.all(running);
      while (running.size >= concurrency) await Promise.race(running);
      const task: Promise<void> = deliver(ready).finally(() => running.delete(task));
      running.add(task);
      if (alone) await task;
    });
    if (waiting > MAX_WAITING) await starting;
  };
  let prepared: number;
  try {
    prepared = await prepareReplies(deps, handOver);
  } finally {
    await starting;
    await Promise.all(running);
  }
  if (failure !== undefined) throw failure.error;
  const rest = await drainOutbox(deps);
  return { prepared, sent: summary.sent + rest.sent, deferred: summary.deferred + rest.deferred, failed: summary.failed + rest.failed };
}

/**
 * The loop: take each waiting message through the pipeline, move it once its outcome is
 * committed, then render and send the replies it queued. `runOnce` does one pass (for
 * `run --once`, the demo and tests); `runDaemon` repeats it until stopped.
 */
import type { Gateway } from './app.js';
import { processMessage, type Outcome } from './pipeline/process.js';
import { drainOutbox } from './replies/deliver.js';
import { prepareReplies } from './replies/prepare.js';

export interface PassSummary {
  readonly outcomes: readonly Outcome[];
  readonly repliesPrepared: number;
  readonly repliesSent: number;
  readonly repliesDeferred: number;
}

export function pipelineDeps(gw: Gateway) {
  return {
    registry: gw.registry,
    keyring: gw.keyring,
    clock: gw.clock,
    logger: gw.logger.child({ component: 'pipeline' }),
    settings: { messageIdDomain: gw.config.gateway.messageIdDomain },
    reference: gw.reference,
  };
}

function outboxDeps(gw: Gateway) {
  return {
    registry: gw.registry,
    keyring: gw.keyring,
    clock: gw.clock,
    logger: gw.logger.child({ component: 'outbox' }),
    from: gw.config.gateway.address,
    sender: gw.sender,
    reference: gw.reference,
  };
}

export async function runOnce(gw: Gateway, signal?: AbortSignal): Promise<PassSummary> {
  const outcomes: Outcome[] = [];
  const deps = pipelineDeps(gw);
  // Replies queued before a crash are rendered first: nothing waits behind new mail.
  let repliesPrepared = await prepareReplies(outboxDeps(gw));
  for await (const message of gw.mailbox.pending()) {
    if (signal?.aborted) break;
    const outcome = await processMessage(message, deps);
    outcomes.push(outcome);
    if (outcome.kind === 'committed') await gw.mailbox.settle(message, outcome.folder);
  }
  repliesPrepared += await prepareReplies(outboxDeps(gw));
  const { sent, deferred } = await drainOutbox(outboxDeps(gw));
  return { outcomes, repliesPrepared, repliesSent: sent, repliesDeferred: deferred };
}

export async function runDaemon(gw: Gateway, signal: AbortSignal): Promise<void> {
  const log = gw.logger.child({ component: 'daemon' });
  log.info({ pollIntervalMs: gw.config.daemon.pollIntervalMs }, 'daemon started');
  while (!signal.aborted) {
    const pass = await runOnce(gw, signal);
    if (pass.outcomes.length > 0 || pass.repliesSent > 0) {
      log.info(
        { messages: pass.outcomes.length, repliesSent: pass.repliesSent, repliesDeferred: pass.repliesDeferred },
        'pass done',
      );
    }
    if (signal.aborted) break;
    await gw.mailbox.waitForMail(gw.config.daemon.pollIntervalMs, signal);
  }
  log.info('daemon stopped');
}

/**
 * The loop: take each waiting message through the pipeline, move it once its outcome is
 * committed, then render and send the replies it queued, each sent as soon as it is stored.
 * `runOnce` does one pass (for `run --once`, the demo and tests); `runDaemon` runs intake and the
 * outbox side by side until stopped, and the day's expiry once a day. On stop no new message is
 * started: the ones being processed finish (abandoning one would be safe too, since nothing leaves
 * the inbox before commit).
 */
import { retryPolicy, type Gateway } from './app.js';
import { parisDate } from './clock.js';
import { unlockedKeyMaterial } from './crypto/index.js';
import { holdLease } from './instance.js';
import type { Logger } from './log.js';
import type { Judge } from './pipeline/judge.js';
import { folderFor } from './mail/submission.js';
import { judgeThread, type JudgeThread } from './pipeline/judge-thread.js';
import { processMessage, type Outcome, type PipelineDeps } from './pipeline/process.js';
import { expireDemandes } from './registry/expire.js';
import { issuePreavis } from './replies/preavis/issue.js';
import type { Canal } from './registry/model.js';
import { dispatchDue, runDispatch } from './replies/dispatch.js';
import { outboxPass, type OutboxPassSummary } from './replies/outbox-pass.js';
import { prepareReplies } from './replies/prepare.js';
import { replyWorkerPool, type ReplyWorkerPool } from './replies/workers/index.js';

export interface PassSummary {
  readonly outcomes: readonly Outcome[];
  readonly repliesPrepared: number;
  readonly repliesSent: number;
  readonly repliesDeferred: number;
  /** Replies given up after their lifetime during this pass (statut ECHEC). */
  readonly repliesFailed: number;
}

/** What the daemon reports of each pass and of each HTTPS lot, to whoever watches it (the metrics of src/ops/). */
export interface DaemonObserver {
  outcomes(outcomes: readonly Outcome[], channel: Canal): Promise<void>;
  outboxPass(summary: OutboxPassSummary): Promise<void>;
}

/** The pipeline's dependencies; by default submissions are judged on this thread (replay, tests). */
export function pipelineDeps(gw: Gateway, judge: Judge = judgeHere(gw)): PipelineDeps {
  return {
    registry: gw.registry,
    clock: gw.clock,
    logger: gw.logger.child({ component: 'pipeline' }),
    settings: {
      messageIdDomain: gw.config.gateway.messageIdDomain,
      copyAttestationToDemandeur: gw.config.replies.copyAttestationToDemandeur,
      ecole: gw.config.gateway.ecole,
    },
    judge,
    instance: gw.instance,
  };
}

/** Judging on this thread: MIME, OpenPGP, libxml2 and the rules are imported on first use. */
function judgeHere(gw: Gateway): Judge {
  return async (submission, messageSha256, now) => {
    const { judgeSubmission } = await import('./pipeline/judge.js');
    return judgeSubmission(submission, messageSha256, now, { registry: gw.registry, keyring: gw.keyring, reference: gw.reference });
  };
}

/** The daemon's judge: a thread of its own, with the keys the gateway unlocked (see judge-thread.ts). */
function judgesFor(gw: Gateway): JudgeThread {
  return judgeThread(gw.config, () => unlockedKeyMaterial(gw.keyring));
}

export function outboxDeps(gw: Gateway, signal?: AbortSignal, workers?: ReplyWorkerPool) {
  return {
    registry: gw.registry,
    keyring: gw.keyring,
    clock: gw.clock,
    logger: gw.logger.child({ component: 'outbox' }),
    from: gw.config.gateway.address,
    ecole: gw.config.gateway.ecole,
    sender: gw.sender,
    // Read only when an attestation is prepared: loading the reference costs ~40 MB.
    get reference() {
      return gw.reference;
    },
    retry: retryPolicy(gw.config),
    instance: gw.instance,
    ...(signal ? { signal } : {}),
    ...(workers ? { workers } : {}),
  };
}

/**
 * Worker threads for the replies (`replies.workers`, one per core but one by default), started on the first
 * big batch, with the keys the gateway unlocked; none when set to 0: every reply on this thread.
 */
function workersFor(gw: Gateway): ReplyWorkerPool | undefined {
  const { workers } = gw.config.replies;
  if (workers === 0) return undefined;
  return replyWorkerPool(() => unlockedKeyMaterial(gw.keyring), workers === 'auto' ? undefined : workers);
}

/**
 * Every waiting message through the pipeline, `daemon.concurrency` at a time; each committed one
 * is moved out of the inbox. A failed move is logged: the next pass recognises the committed
 * message by its SHA-256 and moves it then.
 */
export async function intakePass(gw: Gateway, signal?: AbortSignal, judge?: Judge): Promise<Outcome[]> {
  const deps = pipelineDeps(gw, judge);
  const log = gw.logger.child({ component: 'intake' });
  const outcomes: Outcome[] = [];
  const running = new Set<Promise<void>>();
  const handle = async (message: Parameters<typeof processMessage>[0]): Promise<void> => {
    const outcome = await processMessage(message, deps);
    outcomes.push(outcome);
    if (outcome.kind !== 'committed') return;
    try {
      await gw.mailbox.settle(message, folderFor(outcome.lot));
    } catch (error) {
      log.warn({ err: error, source: message.sourceId, lotId: outcome.lot.id }, 'committed message not moved yet; moved on a later pass');
    }
  };
  try {
    for await (const message of gw.mailbox.pending()) {
      if (signal?.aborted) break;
      const task = handle(message).finally(() => running.delete(task));
      running.add(task);
      if (running.size >= gw.config.daemon.concurrency) await Promise.race(running);
    }
  } finally {
    await Promise.all(running);
  }
  return outcomes;
}

export async function runOnce(gw: Gateway, signal?: AbortSignal): Promise<PassSummary> {
  const workers = workersFor(gw);
  const judges = judgesFor(gw);
  try {
    // Replies queued before a crash are rendered first: nothing waits behind new mail.
    const leftovers = await prepareReplies(outboxDeps(gw, undefined, workers));
    const outcomes = await intakePass(gw, signal, judges.judge);
    await judges.close(); // its memory goes before the replies are rendered
    const { prepared, sent, deferred, failed } = await outboxPass(outboxDeps(gw, signal, workers));
    return { outcomes, repliesPrepared: leftovers + prepared, repliesSent: sent, repliesDeferred: deferred, repliesFailed: failed };
  } finally {
    await Promise.all([workers?.close(), judges.close()]);
  }
}

/**
 * Intake, outbox and the daily expiry, concurrently, until `signal` aborts; with the operations
 * endpoints when `ops.port` is set, closed last (they answer `/readyz` 503 while the rest drains).
 */
export async function runDaemon(gw: Gateway, signal: AbortSignal): Promise<void> {
  const log = gw.logger.child({ component: 'daemon' });
  const ops = gw.config.ops.port > 0 ? await (await import('./ops/index.js')).startOps(gw, signal) : undefined;
  try {
    // A base école says so in its first line: its operator must not take it for the real one.
    log.info({ pollIntervalMs: gw.config.daemon.pollIntervalMs, concurrency: gw.config.daemon.concurrency, ...(gw.config.gateway.ecole ? { ecole: true } : {}) }, 'daemon started');
    const observer = ops === undefined ? undefined : watchedBy(ops.metrics, log);
    const outbox = wakeable();
    const workers = workersFor(gw);
    const judges = judgesFor(gw);
    judges.keepReady();
    // The HTTPS channel (spec 7), when configured: lots judged on the same thread, replies prepared by the same outbox.
    const https =
      gw.config.http.port > 0
        ? await (await import('./https/server.js')).startHttpsChannel({
            config: gw.config,
            pipeline: pipelineDeps(gw, judges.judge),
            prepare: outboxDeps(gw),
            onOutcome: (outcome) => {
              if (outcome.kind === 'committed') outbox.wake();
              // Not awaited: the answer does not wait for the metrics (their failures are logged).
              void observer?.outcomes([outcome], 'https');
            },
          })
        : undefined;
    // The gestionnaires' console, when configured: replays judged on the same thread, their replies sent by the same outbox.
    const gestionnaires =
      gw.config.console.port > 0 ? await (await import('./console/index.js')).startConsole(gw, pipelineDeps(gw, judges.judge), outbox.wake) : undefined;
    // Draining starts with the stop: new requests get 503 while the loops finish.
    signal.addEventListener('abort', () => void https?.close(), { once: true });
    try {
      await Promise.all([intakeLoop(gw, signal, log, outbox.wake, judges.judge, observer), outboxLoop(gw, signal, log, outbox, workers, observer)]);
    } finally {
      await Promise.all([https?.close(), gestionnaires?.close()]);
      await Promise.all([workers?.close(), judges.close()]);
    }
    log.info('daemon stopped');
  } finally {
    await ops?.close();
  }
}

/** The observer, its failures logged: watching the daemon never stops it. */
function watchedBy(observer: DaemonObserver, log: Logger): DaemonObserver {
  const safely = async (report: () => Promise<void>): Promise<void> => {
    try {
      await report();
    } catch (error) {
      log.warn({ err: error }, 'metrics not updated');
    }
  };
  return {
    outcomes: (outcomes, channel) => safely(() => observer.outcomes(outcomes, channel)),
    outboxPass: (summary) => safely(() => observer.outboxPass(summary)),
  };
}

async function intakeLoop(gw: Gateway, signal: AbortSignal, log: Logger, wakeOutbox: () => void, judge: Judge, observer?: DaemonObserver): Promise<void> {
  let expiredOn: string | undefined;
  let dispatchedOn: string | undefined;
  while (!signal.aborted) {
    const today = parisDate(gw.clock.now());
    if (today !== expiredOn) {
      expiredOn = today;
      await periodicPass(gw, 'expiry', log, async () => {
        const { radiees } = await expireDemandes(gw.registry, gw.clock.now());
        if (radiees > 0) log.info({ radiees }, 'expired demandes radiated (RADREN)');
      });
      // Beside the expiry, under a lease of its own: the préavis it will wait for (spec 5.3).
      await periodicPass(gw, 'preavis', log, async () => {
        const { emis, sansGuichet } = await issuePreavis(gw.registry, gw.clock.now(), {
          messageIdDomain: gw.config.gateway.messageIdDomain,
          preavisMois: gw.config.replies.preavisMois,
          ecole: gw.config.gateway.ecole,
        });
        if (emis > 0) wakeOutbox();
        if (emis > 0 || sansGuichet > 0) log.info({ emis, sansGuichet }, 'préavis de renouvellement issued');
      });
    }
    const dispatchDay = dispatchDue(gw.clock.now(), gw.config.dispatching.hour);
    if (dispatchDay !== undefined && dispatchDay !== dispatchedOn) {
      dispatchedOn = dispatchDay;
      await periodicPass(gw, 'dispatch', log, async () => {
        // Idempotent: the day's pass, once committed by any instance, is not run again.
        const outcome = await runDispatch(gw.registry, dispatchDay, gw.clock.now(), { messageIdDomain: gw.config.gateway.messageIdDomain });
        if (outcome.kind === 'done') {
          log.info({ digests: outcome.digests.length, events: outcome.evenements }, 'dispatching digests queued');
          if (outcome.digests.length > 0) wakeOutbox();
        }
      });
    }
    try {
      const outcomes = await intakePass(gw, signal, judge);
      await observer?.outcomes(outcomes, 'mail');
      if (outcomes.some((o) => o.kind === 'committed')) wakeOutbox();
      if (outcomes.length > 0) log.info({ messages: outcomes.length, retry: outcomes.filter((o) => o.kind === 'retry-later').length }, 'intake pass done');
    } catch (error) {
      // The mailbox is unreachable (IMAP down): its source backs off; the loop comes round again.
      log.warn({ err: error }, 'intake pass interrupted');
    }
    if (signal.aborted) break;
    await gw.mailbox.waitForMail(gw.config.daemon.pollIntervalMs, signal);
  }
}

async function outboxLoop(gw: Gateway, signal: AbortSignal, log: Logger, outbox: Wakeable, workers: ReplyWorkerPool | undefined, observer?: DaemonObserver): Promise<void> {
  while (!signal.aborted) {
    try {
      const summary = await outboxPass(outboxDeps(gw, signal, workers));
      await observer?.outboxPass(summary);
      const { sent, deferred, failed } = summary;
      if (sent + deferred + failed > 0) log.info({ repliesSent: sent, repliesDeferred: deferred, repliesFailed: failed }, 'outbox drained');
    } catch (error) {
      log.error({ err: error }, 'outbox pass failed; tried again later');
    }
    const next = await gw.registry.outboxNextAttempt();
    const untilNext = next === undefined ? Infinity : next.getTime() - gw.clock.now().getTime();
    await outbox.wait(Math.max(50, Math.min(untilNext, gw.config.daemon.pollIntervalMs)), signal);
  }
}

/**
 * A periodic pass, on one instance at a time (spec 10): skipped when another holds its lease (it
 * runs it). The pass itself is idempotent: one running again later the same day finds nothing left.
 */
async function periodicPass(gw: Gateway, name: string, log: Logger, pass: () => Promise<void>): Promise<void> {
  try {
    const lease = await holdLease(gw.registry, `pass:${name}`, gw.instance, gw.clock);
    if (lease === undefined) return log.debug({ pass: name }, 'periodic pass running on another instance');
    try {
      await pass();
    } finally {
      await lease.release();
    }
  } catch (error) {
    log.error({ err: error, pass: name }, 'periodic pass failed; tried again tomorrow or at the next start');
  }
}

interface Wakeable {
  wake(): void;
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

/** A sleep that another loop can cut short; a wake while awake is kept for the next wait. */
function wakeable(): Wakeable {
  let pending = false;
  let current: (() => void) | undefined;
  return {
    wake: () => (current ? current() : (pending = true)),
    wait: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (pending || signal.aborted) {
          pending = false;
          resolve();
          return;
        }
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          current = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        current = done;
      }),
  };
}

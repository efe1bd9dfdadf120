/**
 * The daemon's Prometheus metrics (spec 7), on a registry of their own (never prom-client's
 * global one, which a library could also fill). The pipeline knows nothing of them: the daemon
 * reports each pass's outcomes and outbox summary (`DaemonObserver`), and the gauges read the
 * registry and the mailbox when scraped. Labels are of low cardinality and carry no personal
 * data: channel, statut, error code, outbox state, mailbox kind.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from '../app.js';
import type { DaemonObserver } from '../daemon.js';
import type { Outcome } from '../pipeline/process.js';
import type { Canal, OutboxDepth } from '../registry/model.js';
import type { OutboxPassSummary } from '../replies/outbox-pass.js';

/** The channel a lot came by: the mailbox, or the synchronous channel (spec 7). */
export type Channel = Canal;

/** Seconds: a small lot commits in well under a second, a 10,000-demande one in about a minute. */
const COMMIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: replies go out in seconds, unless the mail server defers them for minutes or hours. */
const REPLIES_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600, 14_400, 86_400];
/** Lots committed here whose replies are not all sent yet; beyond, the oldest is forgotten. */
const MAX_PENDING_LOTS = 10_000;
/** The outbox states a reply waits in: their oldest reply's age is exported. */
const WAITING = new Set(['A_PREPARER', 'PRET']);

export class GatewayMetrics implements DaemonObserver {
  readonly registry = new Registry();
  readonly #gw: Gateway;
  readonly #messages: Counter<'channel' | 'outcome'>;
  readonly #lots: Counter<'channel' | 'statut' | 'code'>;
  readonly #demandes: Counter<'channel' | 'statut' | 'code'>;
  readonly #replies: Counter<'outcome'>;
  readonly #commitLatency: Histogram<'channel'>;
  readonly #repliesLatency: Histogram<'channel'>;
  /** Lot id → when this instance committed it (ms) and by which channel, until its last reply is sent. */
  readonly #pending = new Map<number, { readonly at: number; readonly channel: Channel }>();
  /** The outbox read of the scrape under way, shared by both outbox gauges (collected concurrently). */
  #depth: Promise<readonly OutboxDepth[]> | undefined;

  constructor(gw: Gateway) {
    this.#gw = gw;
    const registers = [this.registry];
    this.#messages = new Counter({
      name: 'sne_messages_total',
      help: 'Lots received (mail messages taken from the mailbox, HTTPS requests), by channel and outcome: committed (a new lot), redelivered (a lot seen before, its compte rendu sent again), already_committed, retry_later, claimed_elsewhere.',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.#lots = new Counter({
      name: 'sne_lots_total',
      help: 'Lots committed, by channel, statut (ACCEPTE, PARTIEL, REJETE, QUARANTAINE) and the lot error code (empty when none).',
      labelNames: ['channel', 'statut', 'code'],
      registers,
    });
    this.#demandes = new Counter({
      name: 'sne_demandes_total',
      help: 'Demandes of the committed lots, by channel, resultat statut and the first error code (empty when none).',
      labelNames: ['channel', 'statut', 'code'],
      registers,
    });
    this.#replies = new Counter({
      name: 'sne_replies_total',
      help: 'Delivery attempts of replies by this instance, by outcome: sent, deferred (tried again later), failed (given up, ECHEC).',
      labelNames: ['outcome'],
      registers,
    });
    this.#commitLatency = new Histogram({
      name: 'sne_lot_commit_latency_seconds',
      help: 'From a lot’s reception to its commit.',
      labelNames: ['channel'],
      buckets: COMMIT_BUCKETS,
      registers,
    });
    this.#repliesLatency = new Histogram({
      name: 'sne_lot_replies_latency_seconds',
      help: 'From a lot’s commit to the sending of its last reply (lots committed by this instance whose replies were all sent).',
      labelNames: ['channel'],
      buckets: REPLIES_BUCKETS,
      registers,
    });
    const outbox = new Gauge({
      name: 'sne_outbox_replies',
      help: 'Replies in the outbox, by state: A_PREPARER (to render and seal), PRET (to send), ECHEC (given up). Sent ones are not counted.',
      labelNames: ['state'],
      registers,
      collect: async () => {
        const depth = await this.#outboxDepth();
        outbox.reset();
        for (const state of ['A_PREPARER', 'PRET', 'ECHEC']) outbox.set({ state }, depth.find((d) => d.statut === state)?.replies ?? 0);
      },
    });
    const oldest = new Gauge({
      name: 'sne_outbox_oldest_reply_age_seconds',
      help: 'Age of the oldest reply waiting in each state (A_PREPARER, PRET), since it was queued; absent when none waits.',
      labelNames: ['state'],
      registers,
      collect: async () => {
        const depth = await this.#outboxDepth();
        const now = gw.clock.now().getTime();
        oldest.reset();
        for (const { statut, oldestQueuedAt } of depth) {
          if (WAITING.has(statut) && oldestQueuedAt !== undefined) oldest.set({ state: statut }, Math.max(0, (now - Date.parse(oldestQueuedAt)) / 1000));
        }
      },
    });
    const mailbox = new Gauge({
      name: 'sne_mailbox_connected',
      help: '1 when the deposit mailbox can be read (IMAP: a session is up; Maildir: always), else 0.',
      labelNames: ['kind'],
      registers,
      collect: () => {
        mailbox.set({ kind: gw.config.mailbox.kind }, gw.mailbox.connected ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text of every metric, gauges read now. */
  async render(): Promise<string> {
    try {
      return await this.registry.metrics();
    } finally {
      this.#depth = undefined;
    }
  }

  #outboxDepth(): Promise<readonly OutboxDepth[]> {
    return (this.#depth ??= this.#gw.registry.outboxDepth());
  }

  async outcomes(outcomes: readonly Outcome[], channel: Channel): Promise<void> {
    const committed: number[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind !== 'committed') {
        this.#messages.inc({ channel, outcome: outcome.kind === 'retry-later' ? 'retry_later' : 'claimed_elsewhere' });
        continue;
      }
      if (outcome.alreadyCommitted || outcome.redelivered === true) {
        this.#messages.inc({ channel, outcome: outcome.alreadyCommitted ? 'already_committed' : 'redelivered' });
        continue;
      }
      this.#messages.inc({ channel, outcome: 'committed' });
      const { lot } = outcome;
      const committedAt = this.#gw.clock.now().getTime();
      this.#lots.inc({ channel, statut: lot.statut, code: lot.erreurs[0]?.code ?? '' });
      this.#commitLatency.observe({ channel }, Math.max(0, (committedAt - Date.parse(lot.recuAt)) / 1000));
      for (const resultat of await this.#gw.registry.lotResultats(lot.id)) {
        this.#demandes.inc({ channel, statut: resultat.statut, code: resultat.erreurs[0]?.code ?? '' });
      }
      this.#pending.set(lot.id, { at: committedAt, channel });
      if (this.#pending.size > MAX_PENDING_LOTS) this.#pending.delete(this.#pending.keys().next().value!);
      committed.push(lot.id);
    }
    // The outbox runs beside intake: a lot's replies may all be out already.
    await this.#settle(committed);
  }

  async outboxPass(summary: OutboxPassSummary): Promise<void> {
    if (summary.sent > 0) this.#replies.inc({ outcome: 'sent' }, summary.sent);
    if (summary.deferred > 0) this.#replies.inc({ outcome: 'deferred' }, summary.deferred);
    if (summary.failed > 0) this.#replies.inc({ outcome: 'failed' }, summary.failed);
    if (summary.sent > 0 || summary.failed > 0) await this.#settle([...this.#pending.keys()]);
  }

  /**
   * The lots among `lotIds` none of whose replies waits any more: forgotten, and their latency
   * observed up to the last reply sent (by whichever instance sent it: `envoyeAt` is the registry's).
   */
  async #settle(lotIds: readonly number[]): Promise<void> {
    for (const lotId of lotIds) {
      const pending = this.#pending.get(lotId);
      if (pending === undefined) continue;
      const items = await this.#gw.registry.outboxForLot(lotId);
      if (items.some((item) => item.statut === 'A_PREPARER' || item.statut === 'PRET')) continue;
      this.#pending.delete(lotId);
      const sent = items.filter((item) => item.statut === 'ENVOYE' && item.envoyeAt !== undefined);
      // A lot without replies (quarantine) or with one given up has no such latency.
      if (sent.length === 0 || sent.length < items.length) continue;
      const last = Math.max(...sent.map((item) => Date.parse(item.envoyeAt!)));
      this.#repliesLatency.observe({ channel: pending.channel }, Math.max(0, (last - pending.at) / 1000));
    }
  }
}

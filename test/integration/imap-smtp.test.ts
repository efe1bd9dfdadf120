/**
 * The production edges against real servers started here: Dovecot (IMAP + LMTP) and an SMTP
 * receiver handing mail to Dovecot's LMTP. The daemon runs as `sne-gateway run` does.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { runDaemon } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { ImapSource } from '../../src/mail/imap.js';
import { processMessage } from '../../src/pipeline/process.js';
import { folderFor } from '../../src/mail/submission.js';
import { pipelineDeps } from '../../src/daemon.js';
import { startDovecot, type Dovecot } from '../harness/dovecot.js';
import { DEPOT, eventually, gatewayHome, GUICHET, type GatewayHome } from '../harness/gateway.js';
import { deliverLmtp, startSmtpReceiver, submit, type SmtpReceiver } from '../harness/smtp.js';

/** A header's value, unfolded. */
const header = (raw: Buffer, name: string) =>
  new RegExp(`^${name}:\\s*([^\\r\\n]*)`, 'im').exec(raw.toString('utf8').replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '';

describe('IMAP intake and SMTP outbox against Dovecot and an SMTP server', () => {
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    dovecot = await startDovecot({ tls: true });
    smtp = await startSmtpReceiver({ lmtpPort: dovecot.lmtpPort });
  });

  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  });

  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
  });

  /** A gateway home and its daemon, stopped after the test. */
  async function daemon(options: Partial<Parameters<typeof gatewayHome>[0]> = {}): Promise<{ home: GatewayHome; gateway: Gateway }> {
    const home = await gatewayHome({ dovecot, smtp, ...options });
    const gateway = await home.open();
    const controller = new AbortController();
    const loop = runDaemon(gateway, controller.signal);
    running.push({
      stop: async () => {
        controller.abort();
        await loop;
        await gateway.close();
        home.cleanup();
      },
    });
    return { home, gateway };
  }

  /** The replies the SMTP server accepted for the guichet about this lot (not the lots it relayed). */
  const repliesFor = (identifiantLot: string) =>
    smtp.received.filter((m) => m.to.includes(GUICHET.destinataire) && header(m.raw, 'Subject').includes(identifiantLot));

  it('picks up a lot delivered over SMTP → LMTP by IDLE, moves it and sends its replies over SMTP', async () => {
    // Sweep and poll far apart: only IDLE can wake the daemon within the test.
    const { home, gateway } = await daemon({ settings: { mailbox: { sweepIntervalMs: 60_000 }, daemon: { pollIntervalMs: 60_000 } } });
    await new Promise((r) => setTimeout(r, 300)); // the first pass found the inbox empty and IDLE started
    await submit(smtp.port, GUICHET.expediteur, DEPOT, await home.sealLot('IDLE-1'));
    await eventually(async () => (await gateway.registry.listLots()).length === 1, 'lot committed', 10_000);
    const lot = (await gateway.registry.listLots())[0]!;
    expect(lot.identifiantLot).toBe('IDLE-1');
    await eventually(async () => (await gateway.registry.outboxForLot(lot.id)).every((o) => o.statut === 'ENVOYE'), 'replies sent');
    const replies = repliesFor('IDLE-1');
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(header(replies[0]!.raw, 'In-Reply-To')).toBe(lot.messageId);
    expect(dovecot.messages('INBOX')).toHaveLength(0);
    expect(dovecot.messages(lot.statut === 'REJETE' ? 'Rejetes' : 'Traites').some((m) => m.toString().includes(lot.messageId!))).toBe(true);
  });

  it('reads over IMAPS with a self-signed certificate it was told to trust, and refuses it otherwise', async () => {
    const untrusting = new ImapSource({ url: dovecot.url(true), password: dovecot.password, logger: silentLogger() });
    await expect(untrusting.pending()[Symbol.asyncIterator]().next()).rejects.toThrow(/self[- ]signed|certificate/i);
    await untrusting.close();

    const { home, gateway } = await daemon({ secure: true });
    await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('TLS-1'), GUICHET.expediteur);
    await eventually(async () => (await gateway.registry.listLots()).some((l) => l.identifiantLot === 'TLS-1'), 'lot committed over IMAPS');
  });

  it('resumes intake by itself after Dovecot is killed during IDLE and restarted', async () => {
    const { home, gateway } = await daemon();
    await new Promise((r) => setTimeout(r, 300));
    await dovecot.kill();
    await new Promise((r) => setTimeout(r, 700)); // reconnection attempts fail meanwhile
    await dovecot.start();
    await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('RESTART-1'), GUICHET.expediteur);
    await eventually(async () => (await gateway.registry.listLots()).some((l) => l.identifiantLot === 'RESTART-1'), 'lot committed after restart', 15_000);
    await eventually(() => dovecot.messages('INBOX').length === 0, 'inbox emptied');
  });

  it('delivers every reply exactly once when the SMTP server was down while they were queued', async () => {
    await smtp.stop();
    const { home, gateway } = await daemon({ settings: { sender: { retryMinMs: 200, retryMaxMs: 400 } } });
    await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('SMTP-DOWN-1'), GUICHET.expediteur);
    await eventually(async () => (await gateway.registry.listLots()).length === 1, 'lot committed');
    const lot = (await gateway.registry.listLots())[0]!;
    await eventually(async () => (await gateway.registry.outboxForLot(lot.id)).every((o) => o.tentatives >= 2), 'attempts failed, retried');
    const queued = await gateway.registry.outboxForLot(lot.id);
    expect(queued.every((o) => o.statut === 'PRET' && o.derniereErreur !== undefined && o.premiereTentative !== undefined)).toBe(true);

    const before = smtp.received.length;
    await smtp.start();
    await eventually(async () => (await gateway.registry.outboxForLot(lot.id)).every((o) => o.statut === 'ENVOYE'), 'replies sent once the server is back');
    const ids = smtp.received.slice(before).map((m) => header(m.raw, 'Message-ID'));
    expect(ids.sort()).toEqual(queued.map((o) => o.messageId).sort());
  });

  it('processes two lots delivered at the same instant, each once', async () => {
    const { home, gateway } = await daemon();
    const [a, b] = await Promise.all([home.sealLot('SAME-A'), home.sealLot('SAME-B')]);
    await Promise.all([
      deliverLmtp(dovecot.lmtpPort, DEPOT, a, GUICHET.expediteur),
      deliverLmtp(dovecot.lmtpPort, DEPOT, b, GUICHET.expediteur),
    ]);
    await eventually(async () => (await gateway.registry.listLots()).length === 2, 'both lots committed');
    expect((await gateway.registry.listLots()).map((l) => l.identifiantLot).sort()).toEqual(['SAME-A', 'SAME-B']);
    await eventually(async () => (await gateway.registry.outboxByStatut('PRET')).length === 0 && (await gateway.registry.outboxByStatut('A_PREPARER')).length === 0, 'replies sent');
    for (const id of ['SAME-A', 'SAME-B']) expect(repliesFor(`lot ${id}`)).toHaveLength(1);
    expect(dovecot.messages('INBOX')).toHaveLength(0);
  });

  it('commits a lot whose message someone else moved away while it was processed, without failing', async () => {
    const home = await gatewayHome({ dovecot, smtp });
    const gateway = await home.open();
    running.push({ stop: async () => (await gateway.close(), home.cleanup()) });
    await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('MOVED-1'), GUICHET.expediteur);
    const iterator = gateway.mailbox.pending()[Symbol.asyncIterator]();
    const { value: message } = await iterator.next();
    await iterator.return?.();

    const other = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false, doSTARTTLS: false });
    await other.connect();
    await other.mailboxCreate('Ailleurs').catch(() => undefined);
    const lock = await other.getMailboxLock('INBOX');
    try {
      expect(await other.messageMove('1:*', 'Ailleurs', { uid: true })).toBeTruthy();
    } finally {
      lock.release();
    }
    await other.logout();

    const outcome = await processMessage(message!, pipelineDeps(gateway));
    expect(outcome.kind).toBe('committed');
    if (outcome.kind !== 'committed') return;
    await expect(gateway.mailbox.settle(message!, folderFor(outcome.lot))).resolves.toBeUndefined();
    expect(dovecot.messages('Ailleurs').some((m) => m.toString().includes(outcome.lot.messageId!))).toBe(true);
    expect(dovecot.messages(folderFor(outcome.lot)).some((m) => m.toString().includes(outcome.lot.messageId!))).toBe(false);
  });
});

/**
 * Two daemons — the binary, separate processes — on one IMAP mailbox (a real Dovecot) and one
 * PostgreSQL registry, replies over SMTP, one of them killed with SIGKILL at random instants
 * (spec 10, issue 16; the longer variant on a shared Maildir is test/e2e/kill-instances.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openRegistry } from '../../src/app.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { sealLotMessage } from '../../src/demo/guichet.js';
import { seeded } from '../../bench/lib/generate-lot.js';
import { daemons, killAtRandom, killSeed, type Daemons } from '../harness/daemons.js';
import { startDovecot, type Dovecot } from '../harness/dovecot.js';
import { postgresCluster } from '../harness/file-postgres.js';
import { DEPOT, eventually, gatewayHome, GUICHET, type GatewayHome } from '../harness/gateway.js';
import { allCommittedAndSent, expectEachOnce, killLots } from '../harness/kill-lots.js';
import { startSmtpReceiver, submit, type SmtpReceiver } from '../harness/smtp.js';

const LOTS = 4;
const CHAOS_MS = 12_000;
const LEASE_MS = 2_000;
const SEED = killSeed();

/** A header's value, unfolded. */
const header = (raw: Buffer, name: string) =>
  new RegExp(`^${name}:\\s*([^\\r\\n]*)`, 'im').exec(raw.toString('utf8').replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '';

describe(`two daemons on one IMAP mailbox and one PostgreSQL registry, killed at random (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sne-imap-kill-'));
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let home: GatewayHome;
  let group: Daemons;

  beforeAll(async () => {
    console.log(`kill plan seed: ${SEED} (SNE_TEST_KILL_SEED=${SEED} replays it; SNE_TEST_KEEP=1 keeps the daemons' logs in ${dir})`);
    dovecot = await startDovecot();
    smtp = await startSmtpReceiver({ lmtpPort: dovecot.lmtpPort });
    const cluster = await postgresCluster();
    const passwordFile = join(dir, 'registry.password');
    writeFileSync(passwordFile, `${cluster.password}\n`, { mode: 0o600 });
    home = await gatewayHome({ dovecot, smtp, settings: { registry: { url: await cluster.createDatabase(), passwordFile }, mailbox: { sweepIntervalMs: 1_000 } } });
    group = daemons(home.home, dir, { SNE_GATEWAY_DAEMON_LEASE_MS: String(LEASE_MS), SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200' });
  });

  afterAll(async () => {
    await group?.stopAll('SIGKILL');
    await smtp?.stop();
    await dovecot?.stop();
    home?.cleanup();
    if (!process.env.SNE_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('commits every lot once, numbers gap-free and sends every reply over SMTP under its Message-ID', async () => {
    const random = seeded(SEED);
    const lots = killLots(LOTS, 'G1104-IMAP');
    const national = nationalPublicKeys(nationalKeyLocation(home.config));
    const sealed = await Promise.all(
      [...lots].map(([identifiantLot, lot]) =>
        sealLotMessage({ xml: new TextEncoder().encode(lot.xml), fileName: `${identifiantLot}.xml`, guichet: GUICHET, keys: home.keys, nationalPublicKeys: national, depot: DEPOT }),
      ),
    );

    group.start(0);
    group.start(1);
    const arrivals = sealed.map((raw, i) => ({ raw, at: Date.now() + Math.floor((CHAOS_MS * 0.7 * (i + random())) / LOTS) }));
    const kills = await killAtRandom(group, {
      random,
      durationMs: CHAOS_MS,
      maxBetweenKillsMs: 2_000,
      tick: async (now) => {
        while (arrivals.length > 0 && arrivals[0]!.at <= now) await submit(smtp.port, GUICHET.expediteur, DEPOT, arrivals.shift()!.raw);
      },
    });
    expect(arrivals).toEqual([]);
    expect(kills).toBeGreaterThan(2);

    const registry = await openRegistry(home.config);
    try {
      await eventually(
        async () => (await allCommittedAndSent(registry, LOTS)) && dovecot.messages('INBOX').length === 0,
        `${LOTS} lots committed, their replies sent and the IMAP inbox empty (seed ${SEED})`,
        60_000,
      );
      await group.stopAll('SIGTERM');
      const messageIds = await expectEachOnce(registry, lots);
      // Every reply reached the SMTP server under its Message-ID, and nothing else was sent to the guichet.
      const sent = smtp.received.filter((m) => m.to.includes(GUICHET.destinataire)).map((m) => ({ messageId: header(m.raw, 'Message-ID'), at: m.at }));
      const received = new Set(sent.map((m) => m.messageId));
      expect([...received].sort()).toEqual([...messageIds].sort());
      // Sent again only by an instance taking over from one killed between sending and recording
      // it (at least once, spec 10): each kill accounts for one copy more at most (an instance
      // sends one reply at a time), and only once the killed one's claim, renewed right before
      // sending, has expired. Two instances sending one reply at once would arrive together.
      expect(sent.length - received.size).toBeLessThanOrEqual(kills);
      for (const messageId of received) {
        const at = sent.filter((m) => m.messageId === messageId).map((m) => m.at);
        for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `${messageId} sent again too soon`).toBeGreaterThanOrEqual(LEASE_MS / 2);
      }
      expect(dovecot.messages('Traites').length + dovecot.messages('Rejetes').length).toBe(LOTS);
      expect(group.errors()).toEqual([]);
    } finally {
      await registry.close();
    }
  }, 150_000);
});

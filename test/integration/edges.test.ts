/**
 * The edges' harder cases against real servers: a server without MOVE nor UIDPLUS, a message
 * over the size limit, per-recipient refusals and the reply lifetime, and the daemon binary's
 * lock and clean stop on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import { acquireDaemonLock } from '../../src/daemon-lock.js';
import { intakePass, runOnce } from '../../src/daemon.js';
import { LIMITS } from '../../src/limits.js';
import { silentLogger } from '../../src/log.js';
import { ImapSource } from '../../src/mail/imap.js';
import { SmtpSender } from '../../src/mail/smtp.js';
import { drainOutbox } from '../../src/replies/deliver.js';
import { prepareReplies } from '../../src/replies/prepare.js';
import { startDovecot, type Dovecot } from '../harness/dovecot.js';
import { DEPOT, eventually, gatewayHome, GUICHET } from '../harness/gateway.js';
import { deliverLmtp, startSmtpReceiver, type SmtpReceiver } from '../harness/smtp.js';
import { BIN, cliEnv } from '../helpers/cli.js';

/** Dovecot's post-login capabilities without MOVE and UIDPLUS. */
const NO_MOVE = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES LITERAL+';

describe('production edges: harder cases', () => {
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpReceiver({ lmtpPort: dovecot.lmtpPort });
  });

  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
  });

  it('settles safely on a server without MOVE nor UIDPLUS: COPY, \\Deleted, and no EXPUNGE of others’ messages', async () => {
    const bare = await startDovecot({ imapCapability: NO_MOVE });
    const home = await gatewayHome({ dovecot: bare, smtp });
    const gateway = await home.open();
    try {
      await deliverLmtp(bare.lmtpPort, DEPOT, Buffer.from('From: x@autre.example\r\nSubject: autre\r\n\r\nrien\r\n'));
      // Someone else's message, flagged \Deleted and not expunged: a plain EXPUNGE would remove it.
      const other = new ImapFlow({ host: '127.0.0.1', port: bare.imapPort, auth: { user: bare.user, pass: bare.password }, logger: false });
      await other.connect();
      const lock = await other.getMailboxLock('INBOX');
      await other.messageFlagsAdd('1', ['\\Deleted'], { uid: true });
      lock.release();
      await other.logout();
      await deliverLmtp(bare.lmtpPort, DEPOT, await home.sealLot('NOMOVE-1'), GUICHET.expediteur);

      const outcomes = await intakePass(gateway);
      expect(outcomes).toHaveLength(1); // the \Deleted message is not listed
      expect(bare.messages('Traites')).toHaveLength(1);
      const viewer = new ImapFlow({ host: '127.0.0.1', port: bare.imapPort, auth: { user: bare.user, pass: bare.password }, logger: false });
      await viewer.connect();
      const left = await viewer.getMailboxLock('INBOX');
      const flagged = await viewer.fetchAll('1:*', { uid: true, flags: true }, { uid: true });
      left.release();
      await viewer.logout();
      expect(flagged).toHaveLength(2);
      expect(flagged.every((m) => m.flags?.has('\\Deleted'))).toBe(true);
      expect(await intakePass(gateway)).toEqual([]);
    } finally {
      await gateway.close();
      home.cleanup();
      await bare.stop();
    }
  });

  it('refuses a message over the size limit from its RFC822.SIZE, reading only its header section', async () => {
    const home = await gatewayHome({ dovecot, smtp });
    const gateway = await home.open();
    try {
      const big = Buffer.concat([
        Buffer.from(`From: ${GUICHET.expediteur}\r\nTo: ${DEPOT}\r\nSubject: trop gros\r\nMessage-ID: <trop-gros@g1104.example>\r\n\r\n`),
        Buffer.alloc(LIMITS.messageBytes + 1024, 'A'),
      ]);
      await deliverLmtp(dovecot.lmtpPort, DEPOT, big, GUICHET.expediteur);
      const source = gateway.mailbox as ImapSource;
      const messages = [];
      for await (const m of source.pending()) messages.push(m);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.sizeBytes).toBeGreaterThan(LIMITS.messageBytes);
      expect(messages[0]!.raw.length).toBeLessThan(1024);
      const pass = await runOnce(gateway);
      const outcome = pass.outcomes[0]!;
      expect(outcome.kind === 'committed' && outcome.lot.erreurs.map((e) => e.code)).toEqual(['LOT_TAILLE']);
      expect(dovecot.messages('Rejetes')).toHaveLength(1);
      expect(dovecot.messages('INBOX')).toHaveLength(0);
    } finally {
      await gateway.close();
      home.cleanup();
    }
  });

  it('retries refused recipients alone, records their refusals, and gives a reply up after its lifetime (ECHEC)', async () => {
    const home = await gatewayHome({ dovecot, smtp, destinataires: ['refuse@g1104.example'] });
    const gateway = await home.open();
    const sender = new SmtpSender({ url: smtp.url(), logger: silentLogger() });
    try {
      await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('REFUS-1'), GUICHET.expediteur);
      await intakePass(gateway);
      const deps = { registry: gateway.registry, keyring: gateway.keyring, reference: gateway.reference, logger: silentLogger(), from: DEPOT, sender };
      await prepareReplies({ ...deps, clock: gateway.clock });
      smtp.refuse.add('refuse@g1104.example');
      const clock = fixedClock('2030-01-01T10:00:00Z');
      const retry = { minMs: 60_000, maxMs: 3_600_000, lifetimeMs: 3_600_000 };
      const before = smtp.received.length;

      expect(await drainOutbox({ ...deps, clock, retry })).toMatchObject({ sent: 0, deferred: 4 });
      const [item] = await gateway.registry.outboxByStatut('PRET');
      expect(item!.restants).toEqual(['refuse@g1104.example']);
      expect(item!.refus).toEqual([{ adresse: 'refuse@g1104.example', reponse: expect.stringMatching(/^550/), at: '2030-01-01T10:00:00.000Z' }]);
      expect(item!.prochaineTentative).toBe('2030-01-01T10:01:00.000Z');
      expect(smtp.received.slice(before).every((m) => m.to.join() === GUICHET.destinataire)).toBe(true);

      clock.set('2030-01-01T10:00:30Z'); // not due yet
      expect(await drainOutbox({ ...deps, clock, retry })).toMatchObject({ sent: 0, deferred: 0 });
      clock.set('2030-01-01T10:01:00Z');
      await drainOutbox({ ...deps, clock, retry });
      expect((await gateway.registry.outboxByStatut('PRET'))[0]!.prochaineTentative).toBe('2030-01-01T10:03:00.000Z'); // doubled

      clock.set('2030-01-01T11:00:00Z'); // the lifetime is over
      expect(await drainOutbox({ ...deps, clock, retry })).toMatchObject({ failed: 4 });
      const failed = await gateway.registry.outboxByStatut('ECHEC');
      expect(failed).toHaveLength(4);
      expect(failed[0]!.echecAt).toBe('2030-01-01T11:00:00.000Z');
      expect(await gateway.registry.outboxNextAttempt()).toBeUndefined();

      smtp.refuse.clear();
      const sent = smtp.received.length;
      await drainOutbox({ ...deps, clock, retry }); // given up: not sent again
      expect(smtp.received.length).toBe(sent);
    } finally {
      smtp.refuse.clear();
      await sender.close();
      await gateway.close();
      home.cleanup();
    }
  });

  it('runs as `sne-gateway run`: a second daemon on the same registry refuses to start; SIGTERM stops it cleanly', async () => {
    const home = await gatewayHome({ dovecot, smtp });
    try {
      const env = cliEnv({ SNE_GATEWAY_LOG_LEVEL: 'warn' });
      const first = spawn(process.execPath, [BIN, '--home', home.home, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
      const lockFile = `${sqlitePath(home.config)!}.lock`;
      await eventually(() => existsSync(lockFile), 'lock taken');

      const second = spawnSync(process.execPath, [BIN, '--home', home.home, 'run', '--once'], { env, encoding: 'utf8' });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain('un autre démon traite déjà ce registre');
      expect(() => acquireDaemonLock(sqlitePath(home.config)!)).toThrow(/processus \d+/);

      await deliverLmtp(dovecot.lmtpPort, DEPOT, await home.sealLot('BIN-1'), GUICHET.expediteur);
      await eventually(() => dovecot.messages('INBOX').length === 0, 'lot picked up by the daemon binary');
      first.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});

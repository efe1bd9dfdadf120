/** The outbox's log lines name no recipient: a refusal's text is logged without its addresses, but with its paths. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createLogger, withoutAddresses } from '../../src/log.js';
import { MaildirSender, outgoingFileName } from '../../src/mail/maildir-sender.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { deliverReply } from '../../src/replies/deliver.js';
import { G1104 } from '../registry/helpers.js';
import { acceptedLot } from './fixtures.js';

describe('what the outbox logs of a refusal', () => {
  it('keeps the server’s answer but not the addresses it quotes', () => {
    expect(withoutAddresses('550 5.1.1 <anais.lefevre@exemple.fr>: Recipient address rejected')).toBe(
      '550 5.1.1 <[adresse]>: Recipient address rejected',
    );
    expect(withoutAddresses('connect ECONNREFUSED 127.0.0.1:2525')).toBe('connect ECONNREFUSED 127.0.0.1:2525');
    expect(withoutAddresses('refused: jean.dupont@exemple.fr, k.m@x.fr; RCPT TO:<a@b.fr>')).toBe(
      'refused: [adresse], [adresse]; RCPT TO:<[adresse]>',
    );
  });

  it('keeps the paths of a failed Maildir write, whose file names hold the Message-ID’s @ (issue 15)', () => {
    const tmp = '/srv/sne/outgoing/tmp/cr.G1104.LOT-1@gw.example.0123456789ab.eml.4242.a1b2c3d4e5f6';
    const dest = '/srv/sne/outgoing/new/cr.G1104.LOT-1@gw.example.0123456789ab.eml';
    for (const failure of [
      `EACCES: permission denied, link '${tmp}' -> '${dest}'`,
      `ENOENT: no such file or directory, open '${tmp}'`,
      "ENOENT: no such file or directory, rename '/srv/sne/mail/tmp/1700000000.M1P2Q3.host,S=123:2,' -> '/srv/sne/mail/new/1700000000.M1P2Q3.host,S=123:2,'",
      "EACCES: permission denied, open 'outgoing/tmp/a@b.eml.1.ff'",
    ]) {
      expect(withoutAddresses(failure)).toBe(failure);
    }
  });

  it('hides an address quoted beside a path', () => {
    expect(withoutAddresses(`EACCES: permission denied, open '/srv/sne/outgoing/tmp/x@gw.eml' (copie de jean.dupont@exemple.fr)`)).toBe(
      `EACCES: permission denied, open '/srv/sne/outgoing/tmp/x@gw.eml' (copie de [adresse])`,
    );
  });
});

describe('the log line of a failed write into the outgoing Maildir', () => {
  it('names both paths of the failed link, and not the recipient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-deliver-log-'));
    const registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
    try {
      const clock = fixedClock('2026-11-26T10:00:00+01:00');
      await registry.addGuichet(G1104);
      const messageId = '<cr.G1104.LOT-1.v1@passerelle.example>';
      const id = await registry.transaction(async (tx) => {
        const lotId = await tx.insertLot(acceptedLot('LOT-1', '<LOT-1@g1104.example>', clock.now()));
        return await tx.queueReply({ lotId, kind: 'compte-rendu', messageId, destinataires: ['jean.dupont@exemple.fr'], document: '{}', queuedAt: clock.now().toISOString() });
      });
      await registry.markPrepared(id, Buffer.from(`Message-ID: ${messageId}\r\n\r\nx\r\n`));
      const outgoing = join(dir, 'outgoing');
      const sender = new MaildirSender(outgoing);
      await sender.send({ messageId: '<amorce@passerelle.example>', from: 'sne@passerelle.example', to: ['x@y.example'], raw: Buffer.from('x') });
      rmSync(join(outgoing, 'new'), { recursive: true }); // the link into new/ now fails: ENOENT

      const lines: string[] = [];
      const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
      const logger = createLogger({ level: 'info', destination });
      const outcome = await deliverReply((await registry.getOutbox(id))!, { registry, sender, clock, logger, from: 'sne@passerelle.example' });

      expect(outcome).toBe('deferred');
      const deferred = lines.map((line) => JSON.parse(line) as { msg: string; reason?: string }).find((l) => l.msg === 'reply deferred');
      const name = outgoingFileName(messageId);
      expect(deferred?.reason).toMatch(/^ENOENT: no such file or directory, link '.+' -> '.+'$/);
      expect(deferred?.reason).toContain(join(outgoing, 'tmp', name));
      expect(deferred?.reason).toContain(`'${join(outgoing, 'new', name)}'`);
      expect(lines.join('')).not.toContain('jean.dupont');
    } finally {
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

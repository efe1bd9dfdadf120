import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { MaildirSender, outgoingFileName } from '../../src/mail/maildir-sender.js';
import type { OutgoingMessage } from '../../src/mail/types.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sne-outbox-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const reply = (messageId: string, body = 'x'): OutgoingMessage => ({
  messageId,
  from: 'sne@passerelle.example',
  to: ['retour@guichet.example'],
  raw: Buffer.from(`Message-ID: ${messageId}\r\n\r\n${body}\r\n`),
});

describe('MaildirSender', () => {
  it('writes one .eml file per Message-ID into new/, even when sent twice or concurrently', async () => {
    const sender = new MaildirSender(dir);
    const a = reply('<cr.G1104.LOT-1.v1@passerelle.example>');
    await sender.send(a);
    await sender.send(a);
    await Promise.all([sender.send(reply('<b@x>')), sender.send(reply('<b@x>'))]);
    const files = (await readdir(join(dir, 'new'))).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    expect(await readFile(join(dir, 'new', outgoingFileName(a.messageId)))).toEqual(a.raw);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    await sender.close();
  });

  it('does not write again a message a reader already moved to cur/', async () => {
    const sender = new MaildirSender(dir);
    const a = reply('<c@x>');
    await sender.send(a);
    const name = outgoingFileName(a.messageId);
    await rename(join(dir, 'new', name), join(dir, 'cur', `${name}:2,S`));
    await sender.send(a);
    expect(await readdir(join(dir, 'new'))).toEqual([]);
  });

  it('does not write again a message moved to cur/ after a send, when cur/ had long been still', async () => {
    const sender = new MaildirSender(dir);
    await sender.send(reply('<first@x>'));
    // cur/ unchanged for a minute: its listing is kept between sends (not taken again per send).
    const still = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'cur'), still, still);
    await sender.send(reply('<second@x>'));
    const a = reply('<g@x>');
    await sender.send(a);
    const name = outgoingFileName(a.messageId);
    await rename(join(dir, 'new', name), join(dir, 'cur', `${name}:2,S`));
    await sender.send(a);
    expect((await readdir(join(dir, 'new'))).sort()).toEqual([outgoingFileName('<first@x>'), outgoingFileName('<second@x>')].sort());
  });

  it('writes many concurrent sends, each durable, sharing the fsync of new/', async () => {
    const sender = new MaildirSender(dir);
    const replies = Array.from({ length: 40 }, (_, i) => reply(`<many.${i}@x>`, `body ${i}`));
    await Promise.all(replies.map((r) => sender.send(r)));
    expect((await readdir(join(dir, 'new'))).sort()).toEqual(replies.map((r) => outgoingFileName(r.messageId)).sort());
    for (const r of replies) expect(await readFile(join(dir, 'new', outgoingFileName(r.messageId)))).toEqual(r.raw);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('writes a big reply whole', async () => {
    const sender = new MaildirSender(dir);
    const big = reply('<big@x>', 'z'.repeat(4 * 1024 * 1024));
    await sender.send(big);
    expect((await readFile(join(dir, 'new', outgoingFileName(big.messageId)))).equals(big.raw)).toBe(true);
  });

  it('leaves nothing in tmp/ when the move into new/ fails, however often it is retried', async () => {
    const sender = new MaildirSender(dir);
    await sender.send(reply('<first@x>'));
    // Tests run as root, whom no mode stops: a file in place of new/ makes every link fail.
    await rm(join(dir, 'new'), { recursive: true });
    await writeFile(join(dir, 'new'), '');
    for (let attempt = 0; attempt < 3; attempt++) await expect(sender.send(reply('<d@x>', 'y'.repeat(10_000)))).rejects.toThrow();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('removes at start what was left in tmp/ more than 36 hours ago, and keeps the fresh', async () => {
    const now = new Date('2030-01-10T12:00:00Z');
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const at = async (name: string, hoursAgo: number) => {
      await writeFile(join(dir, 'tmp', name), 'half a reply');
      const when = new Date(now.getTime() - hoursAgo * 3_600_000);
      await utimes(join(dir, 'tmp', name), when, when);
    };
    await at('stale', 37);
    await at('fresh', 35);
    const sender = new MaildirSender(dir, { clock: fixedClock(now) });
    await sender.send(reply('<e@x>'));
    expect(await readdir(join(dir, 'tmp'))).toEqual(['fresh']);
  });

  it('sanitises the file name and keeps look-alike ids apart', () => {
    const hostile = outgoingFileName('<../../etc/passwd:2,S@x>');
    expect(hostile).not.toMatch(/[/:]/);
    expect(hostile.startsWith('.')).toBe(false);
    expect(outgoingFileName('<a/b@x>')).not.toBe(outgoingFileName('<a:b@x>'));
    expect(outgoingFileName('<a@x>')).toBe(outgoingFileName('a@x'));
    expect(outgoingFileName(`<${'z'.repeat(1000)}@x>`).length).toBeLessThan(160);
  });
});

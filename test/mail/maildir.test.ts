import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { LIMITS } from '../../src/limits.js';
import { writeDurably } from '../../src/mail/maildir-files.js';
import { deliverToMaildir, ensureMaildir, MaildirSource, type MaildirMessage } from '../../src/mail/maildir.js';

let dir: string;
let source: MaildirSource;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sne-maildir-'));
  source = new MaildirSource(dir, { pollMs: 5_000 });
});

afterEach(async () => {
  await source.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(): Promise<MaildirMessage[]> {
  const out: MaildirMessage[] = [];
  for await (const message of source.pending()) out.push(message as MaildirMessage);
  return out;
}

const mail = (n: number): Buffer => Buffer.from(`From: depot@guichet.example\r\nSubject: lot ${n}\r\n\r\ncorps ${n}\r\n`);

describe('MaildirSource', () => {
  it('creates the Maildir++ layout Dovecot expects', async () => {
    await collect();
    for (const folder of ['', '.Traites', '.Rejetes', '.Quarantaine']) {
      for (const sub of ['new', 'cur', 'tmp']) expect((await stat(join(dir, folder, sub))).isDirectory()).toBe(true);
    }
    await expect(stat(join(dir, '.Traites', 'maildirfolder'))).resolves.toBeTruthy();
  });

  it('removes at start what writers left in tmp/ more than 36 hours ago, in the inbox and its folders, and keeps the fresh', async () => {
    const now = new Date('2030-01-10T12:00:00Z');
    for (const folder of ['', '.Rejetes']) {
      await mkdir(join(dir, folder, 'tmp'), { recursive: true });
      for (const [name, hoursAgo] of [['stale', 37], ['fresh', 35]] as const) {
        const path = join(dir, folder, 'tmp', name);
        await writeFile(path, 'half a message');
        const when = new Date(now.getTime() - hoursAgo * 3_600_000);
        await utimes(path, when, when);
      }
    }
    const started = new MaildirSource(dir, { clock: fixedClock(now) });
    for await (const _ of started.pending()) expect.unreachable();
    await started.close();
    for (const folder of ['', '.Rejetes']) expect(await readdir(join(dir, folder, 'tmp'))).toEqual(['fresh']);
  });

  it('yields a delivered message, then settles it into .Traites/cur/ with the seen flag', async () => {
    const id = await deliverToMaildir(dir, mail(1));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);

    const [message, ...rest] = await collect();
    expect(rest).toEqual([]);
    expect(message?.sourceId).toBe(id);
    expect(message?.raw.equals(mail(1))).toBe(true);
    expect(message?.truncated).toBe(false);

    await source.settle(message!, 'Traites');
    expect(await readdir(join(dir, '.Traites', 'cur'))).toEqual([`${id}:2,S`]);
    expect(await readdir(join(dir, 'new'))).toEqual([]);
    expect(await collect()).toEqual([]);
  });

  it('yields oldest first, by mtime then name', async () => {
    const late = await deliverToMaildir(dir, mail(1));
    const early = await deliverToMaildir(dir, mail(2));
    await utimes(join(dir, 'new', late), new Date('2026-01-02'), new Date('2026-01-02'));
    await utimes(join(dir, 'new', early), new Date('2026-01-01'), new Date('2026-01-01'));
    expect((await collect()).map((m) => m.sourceId)).toEqual([early, late]);
  });

  it('still yields a message moved to cur/ (seen by a client, or before a crash) and settles it', async () => {
    const id = await deliverToMaildir(dir, mail(3));
    await collect(); // creates the layout
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, 'new', id), join(dir, 'cur', `${id}:2,S`));

    const [message] = await collect();
    expect(message?.sourceId).toBe(id);
    await source.settle(message!, 'Rejetes');
    expect(await readdir(join(dir, '.Rejetes', 'cur'))).toEqual([`${id}:2,S`]);
    expect(await readdir(join(dir, 'cur'))).toEqual([]);
  });

  it('settles idempotently, also from another instance that only knows the sourceId', async () => {
    const id = await deliverToMaildir(dir, mail(4));
    const [message] = await collect();
    await source.settle(message!, 'Quarantaine');
    await source.settle(message!, 'Quarantaine');
    const other = new MaildirSource(dir);
    await other.settle({ sourceId: id, raw: Buffer.alloc(0), sizeBytes: 0, receivedAt: new Date() }, 'Quarantaine');
    expect(await readdir(join(dir, '.Quarantaine', 'cur'))).toEqual([`${id}:2,S`]);
  });

  it('refuses to settle a message that is nowhere', async () => {
    await expect(source.settle({ sourceId: 'nope', raw: Buffer.alloc(0), sizeBytes: 0, receivedAt: new Date() }, 'Traites')).rejects.toThrow(
      /neither in the inbox nor settled/,
    );
  });

  it('does not read an oversized message: header section only, with its size', async () => {
    await collect();
    const body = Buffer.alloc(LIMITS.messageBytes + 10, 'A');
    const raw = Buffer.concat([mail(5).subarray(0, mail(5).indexOf('\r\n\r\n') + 4), body]);
    await writeFile(join(dir, 'new', '1.big.host'), raw);
    const [message] = await collect();
    expect(message?.truncated).toBe(true);
    expect(message?.sizeBytes).toBe(raw.length);
    expect(message!.sizeBytes).toBe(raw.length);
    expect(message?.raw.toString()).toBe('From: depot@guichet.example\r\nSubject: lot 5\r\n\r\n');
  });

  it('waitForMail resolves soon after a delivery', async () => {
    await collect();
    const started = Date.now();
    const waiting = source.waitForMail(10_000);
    setTimeout(() => void deliverToMaildir(dir, mail(6)), 100);
    await waiting;
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('waitForMail resolves after its timeout when nothing arrives, even with a message left pending', async () => {
    await deliverToMaildir(dir, mail(7));
    await collect(); // seen: a message kept for a later retry must not wake the loop
    const started = Date.now();
    await source.waitForMail(300);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('waitForMail resolves at once for mail that arrived since the last pending()', async () => {
    await collect();
    await deliverToMaildir(dir, mail(8));
    const started = Date.now();
    await source.waitForMail(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waitForMail resolves on abort and on close', async () => {
    await collect();
    const controller = new AbortController();
    const aborted = source.waitForMail(10_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await aborted;
    const closed = source.waitForMail(10_000);
    setTimeout(() => void source.close(), 50);
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('deliverToMaildir', () => {
  it('leaves nothing in tmp/ when the move into new/ fails', async () => {
    await ensureMaildir(dir);
    // Tests run as root, whom no mode stops: a file in place of new/ makes the rename fail.
    await rm(join(dir, 'new'), { recursive: true });
    await writeFile(join(dir, 'new'), '');
    await expect(writeDurably(dir, 'lot', mail(9), 'rename')).rejects.toThrow();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('writes unique names into new/, readable as written', async () => {
    const ids = await Promise.all([1, 2, 3].map((n) => deliverToMaildir(dir, mail(n))));
    expect(new Set(ids).size).toBe(3);
    expect((await readdir(join(dir, 'new'))).sort()).toEqual([...ids].sort());
    expect(await readFile(join(dir, 'new', ids[1]!))).toEqual(mail(2));
    for (const id of ids) expect(id).toMatch(/^\d+\.M\d+P\d+Q\d+\.[^/:]+$/);
  });
});

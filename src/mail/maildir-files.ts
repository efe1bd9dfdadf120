/**
 * Maildir file primitives shared by the inbox source and the outbox sender: the layout, unique
 * names, and durable writes (tmp/, fsync, then one atomic move into new/).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Creates `dir/{tmp,new,cur}` if missing. */
export async function ensureMaildir(dir: string): Promise<void> {
  for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
}

let deliveries = 0;

/**
 * Delivers a message the Maildir way: written and fsynced under `tmp/`, then renamed into
 * `new/`, so a reader never sees half a message. Returns its unique name (the `sourceId`).
 */
export async function deliverToMaildir(dir: string, raw: Buffer): Promise<string> {
  await ensureMaildir(dir);
  const now = process.hrtime.bigint();
  const seconds = Math.floor(Date.now() / 1000);
  const micros = Number((now / 1000n) % 1_000_000n);
  deliveries += 1;
  // Maildir's own escapes for the two characters a name cannot hold.
  const host = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072');
  const name = `${seconds}.M${micros}P${process.pid}Q${deliveries}.${host}`;
  await writeDurably(dir, name, raw, 'rename');
  return name;
}

/**
 * Writes `tmp/<name>`, fsyncs it, then moves it to `new/<name>`. With `link`, an existing
 * `new/<name>` is kept and `false` returned: the no-overwrite move makes writes idempotent.
 */
export async function writeDurably(dir: string, name: string, raw: Buffer, mode: 'rename' | 'link'): Promise<boolean> {
  // Its own name under tmp/: two concurrent writes of one name must not share a temporary file.
  const tmp = join(dir, 'tmp', `${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const dest = join(dir, 'new', name);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    await handle.writeFile(raw);
    await handle.sync();
  } finally {
    await handle.close();
  }
  let created = true;
  if (mode === 'rename') {
    await rename(tmp, dest);
  } else {
    try {
      await link(tmp, dest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      created = false;
    }
    await unlink(tmp);
  }
  await fsyncDir(join(dir, 'new'));
  return created;
}

/** The name without its `:2,<flags>` info suffix: stable while Dovecot renames the file. */
export function uniqueName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

export function flags(name: string): string {
  const info = name.indexOf(':2,');
  return info < 0 ? '' : name.slice(info + 3);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

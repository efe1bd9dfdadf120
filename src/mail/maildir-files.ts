/**
 * Maildir file primitives shared by the inbox source and the outbox sender: the layout, unique
 * names, and durable writes (tmp/, fsync, then one atomic move into new/).
 */
import { randomBytes } from 'node:crypto';
import { close, constants, fsync, futimes, open, write } from 'node:fs';
import { link, lstat, mkdir, readdir, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
export async function writeDurably(
  dir: string,
  name: string,
  raw: Buffer,
  mode: 'rename' | 'link',
  syncNew: () => Promise<void> = () => fsyncDir(join(dir, 'new')),
): Promise<boolean> {
  // Its own name under tmp/: two concurrent writes of one name must not share a temporary file.
  const tmp = join(dir, 'tmp', `${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const dest = join(dir, 'new', name);
  let created = true;
  try {
    // Plain descriptors, not `FileHandle`s: a lot's thousand replies make ten thousand calls on
    // the event loop's thread, and a handle object per file roughly doubled their cost there.
    const fd = await openFile(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await writeAll(fd, raw);
      // Stamped by this process's clock, not left to the kernel's: the mtime is the message's
      // delivery time, read on the gateway's clock, and a test may move the process's clock alone
      // (faketime); `removeStaleTmp` judges a `tmp/` file by it, so an outgoing one is stamped too.
      const writtenAt = new Date();
      await futimesFile(fd, writtenAt, writtenAt);
      await fsyncFile(fd);
    } finally {
      await closeFile(fd);
    }
    if (mode === 'rename') {
      await rename(tmp, dest);
    } else {
      try {
        await link(tmp, dest);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        created = false;
      }
    }
  } finally {
    // The temporary copy goes whatever happened: after a link it is a second name, after a
    // failure a full copy that every retry would add to (after a rename it is already gone).
    // One unlink: `rm` would lstat it twice first (a validation and rimraf's own) for a plain file.
    await unlink(tmp).catch(ignoreMissing);
  }
  await syncNew();
  return created;
}

// The descriptor calls node:fs/promises only offers on a `FileHandle`; paths' calls come from it.
const openFile = promisify(open);
const writeFile = promisify(write);
const futimesFile = promisify(futimes);
const fsyncFile = promisify(fsync);
const closeFile = promisify(close);

/** `write(2)` may write less than asked (a full disk, a signal): the rest is written after it. */
async function writeAll(fd: number, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) offset += (await writeFile(fd, bytes, offset, bytes.length - offset, null)).bytesWritten;
}

/**
 * `fsyncDir(dir)` shared by concurrent callers: each call resolves once an fsync of `dir` that
 * started after the call has completed (so it covers whatever the caller linked before calling),
 * but callers arriving while one runs share the next one instead of queueing one each.
 */
export function coalescedFsyncDir(dir: string): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const sync: Promise<void> = fsyncDir(dir).finally(() => {
      if (running === sync) running = undefined;
    });
    running = sync;
    return sync;
  };
  return () => {
    if (next !== undefined) return next;
    if (running === undefined) return start();
    const queued = running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    next = queued;
    return queued;
  };
}

/** Maildir readers remove what a writer left in `tmp/` this long ago: it will never be moved. */
export const STALE_TMP_MS = 36 * 3_600_000;

/**
 * Removes the entries of `dir/tmp` last modified more than 36 hours before `now`, as Maildir
 * readers do: copies left by a writer killed between its write and its move into `new/`.
 * Returns how many were removed.
 */
export async function removeStaleTmp(dir: string, now: Date): Promise<number> {
  const tmp = join(dir, 'tmp');
  let removed = 0;
  for (const entry of (await readdir(tmp).catch(ignoreMissing)) ?? []) {
    const path = join(tmp, entry);
    const info = await lstat(path).catch(ignoreMissing);
    if (info === undefined || now.getTime() - info.mtimeMs <= STALE_TMP_MS) continue;
    await rm(path, { force: true, recursive: info.isDirectory() });
    removed += 1;
  }
  return removed;
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** For a `.catch`: a file gone meanwhile (another process moved it) is `undefined`, not an error. */
export function ignoreMissing(error: unknown): undefined {
  if (isMissing(error)) return undefined;
  throw error;
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
  const fd = await openFile(dir, constants.O_RDONLY);
  try {
    await fsyncFile(fd);
  } finally {
    await closeFile(fd);
  }
}

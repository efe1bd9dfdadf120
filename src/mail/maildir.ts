/**
 * The embedded inbox: a Maildir++ directory as Dovecot lays it out (inbox `new/ cur/ tmp/`,
 * settled messages in `.Traites/`, `.Rejetes/`, `.Quarantaine/`). Needs no server; Dovecot or
 * an MTA may deliver into it while the gateway reads it, since every move is one `rename`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { LIMITS } from '../limits.js';
import { headerSection } from './header-section.js';
import { ensureMaildir, flags, fsyncDir, ignoreMissing, isMissing, removeStaleTmp, uniqueName } from './maildir-files.js';
import type { InboundMessage, MailboxSource, SettledFolder } from './types.js';

export { deliverToMaildir, ensureMaildir } from './maildir-files.js';

const SETTLED_FOLDERS: readonly SettledFolder[] = ['Traites', 'Rejetes', 'Quarantaine'];
/** How much of an oversized message is read: its header section, for the sender to be told. */
const HEADER_READ_BYTES = 64 * 1024;

/** A message as this source yields it: `truncated` when only its header section was read. */
export interface MaildirMessage extends InboundMessage {
  readonly truncated: boolean;
}

export class MaildirSource implements MailboxSource {
  readonly #dir: string;
  readonly #pollMs: number;
  readonly #clock: Clock;
  #ready: Promise<void> | undefined;
  /** Names seen in `new/` by the last `pending()`, so `waitForMail` wakes only for new ones. */
  #seen = new Set<string>();
  readonly #paths = new WeakMap<InboundMessage, string>();
  readonly #closers = new Set<() => void>();

  /**
   * `pollMs`: the fallback rescan of `new/`, for file systems where `fs.watch` misses events;
   * `clock`: reads a message's delivery time (its file's mtime) on the gateway's calendar, and
   * tells which `tmp/` entries are stale.
   */
  constructor(dir: string, options: { pollMs?: number; clock?: Clock } = {}) {
    this.#dir = dir;
    this.#pollMs = options.pollMs ?? 2_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** A directory of this machine: always there to read (a failure shows in the pass itself). */
  readonly connected = true;

  async *pending(): AsyncIterable<MaildirMessage> {
    await this.#ensure();
    const entries = [...(await this.#list('new')), ...(await this.#list('cur'))];
    this.#seen = new Set(entries.filter((e) => e.sub === 'new').map((e) => e.name));
    const stated: Array<{ path: string; name: string; mtimeMs: number }> = [];
    for (const entry of entries) {
      const path = join(this.#dir, entry.sub, entry.name);
      const info = await stat(path).catch(ignoreMissing);
      if (info?.isFile()) stated.push({ path, name: entry.name, mtimeMs: info.mtimeMs });
    }
    stated.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    for (const file of stated) {
      // Another process may have settled or removed it since the listing.
      const read = await readMessage(file.path).catch(ignoreMissing);
      if (read === undefined) continue;
      const message: MaildirMessage = {
        sourceId: uniqueName(file.name),
        raw: read.raw,
        receivedAt: this.#clock.fromSystem(new Date(file.mtimeMs)),
        sizeBytes: read.size,
        truncated: read.truncated,
      };
      this.#paths.set(message, file.path);
      yield message;
    }
  }

  async settle(message: InboundMessage, folder: SettledFolder): Promise<void> {
    await this.#ensure();
    const target = join(this.#dir, `.${folder}`, 'cur', `${message.sourceId}:2,S`);
    const known = this.#paths.get(message);
    const candidates = known === undefined ? [] : [known];
    candidates.push(...(await this.#locate(message.sourceId)));
    for (const source of candidates) {
      try {
        await rename(source, target);
        await fsyncDir(join(this.#dir, `.${folder}`, 'cur'));
        return;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    // Idempotent: already settled by an earlier call (before a crash, say).
    if (await this.#isSettled(message.sourceId)) return;
    throw new Error(`maildir: message ${message.sourceId} is neither in the inbox nor settled`);
  }

  async waitForMail(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.#ensure();
    if (signal?.aborted) return;
    const newDir = join(this.#dir, 'new');
    await new Promise<void>((resolve) => {
      let watcher: FSWatcher | undefined;
      let poll: NodeJS.Timeout | undefined;
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        watcher?.close();
        clearInterval(poll);
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#closers.delete(done);
        resolve();
      };
      // Wake only for a name the last `pending()` did not see: a message left in `new/` for a
      // later retry, or a file leaving `new/`, must not spin the daemon loop.
      const rescan = (): void => {
        readdir(newDir)
          .then((names) => {
            if (names.some((name) => !name.startsWith('.') && !this.#seen.has(name))) done();
          })
          .catch(() => undefined);
      };
      try {
        watcher = watch(newDir, { persistent: false }, rescan);
        watcher.on('error', () => watcher?.close());
      } catch {
        watcher = undefined; // polling alone
      }
      // The rescan also catches what arrived before the watcher started, and what it misses.
      poll = setInterval(rescan, Math.max(50, Math.min(this.#pollMs, timeoutMs)));
      timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      this.#closers.add(done);
      rescan();
    });
  }

  async close(): Promise<void> {
    for (const close of [...this.#closers]) close();
  }

  /** At first use: the folders, and what writers left in their `tmp/` long ago removed. */
  #ensure(): Promise<void> {
    this.#ready ??= ensureMaildirPlusPlus(this.#dir)
      .then(async () => {
        const now = this.#clock.now();
        for (const folder of ['', ...SETTLED_FOLDERS.map((name) => `.${name}`)]) await removeStaleTmp(join(this.#dir, folder), now);
      })
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    return this.#ready;
  }

  async #list(sub: 'new' | 'cur'): Promise<Array<{ sub: 'new' | 'cur'; name: string }>> {
    const names = await readdir(join(this.#dir, sub));
    // Dot files are not messages; `T` (trashed) ones were deleted by a mail client.
    return names.filter((name) => !name.startsWith('.') && !flags(name).includes('T')).map((name) => ({ sub, name }));
  }

  /** Paths the message may have now: Dovecot moves new → cur and adds flags on its own. */
  async #locate(id: string): Promise<string[]> {
    const inCur = (await readdir(join(this.#dir, 'cur'))).filter((name) => uniqueName(name) === id);
    return [join(this.#dir, 'new', id), ...inCur.map((name) => join(this.#dir, 'cur', name))];
  }

  async #isSettled(id: string): Promise<boolean> {
    for (const folder of SETTLED_FOLDERS) {
      for (const sub of ['cur', 'new']) {
        const names = await readdir(join(this.#dir, `.${folder}`, sub));
        if (names.some((name) => uniqueName(name) === id)) return true;
      }
    }
    return false;
  }
}

/** The inbox and its three settled folders; `maildirfolder` marks a Maildir++ subfolder for Dovecot. */
export async function ensureMaildirPlusPlus(dir: string): Promise<void> {
  await ensureMaildir(dir);
  for (const folder of SETTLED_FOLDERS) {
    const sub = join(dir, `.${folder}`);
    await ensureMaildir(sub);
    await writeFile(join(sub, 'maildirfolder'), '', { flag: 'a', mode: 0o600 });
  }
}

async function readMessage(path: string): Promise<{ raw: Buffer; size: number; truncated: boolean }> {
  const handle = await open(path, 'r');
  try {
    // The size of the file opened, not of the one listed: the name may have been reused since.
    const { size } = await handle.stat();
    if (size <= LIMITS.messageBytes) return { raw: await handle.readFile(), size, truncated: false };
    const head = Buffer.alloc(HEADER_READ_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEADER_READ_BYTES, 0);
    return { raw: headerSection(head.subarray(0, bytesRead)), size, truncated: true };
  } finally {
    await handle.close();
  }
}

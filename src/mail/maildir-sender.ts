/**
 * The embedded outbox: each reply becomes one `.eml` file in an outgoing Maildir's `new/`,
 * for the demo, tests, or an operator's own relay to pick up. Needs no server.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { coalescedFsyncDir, ensureMaildir, removeStaleTmp, uniqueName, writeDurably } from './maildir-files.js';
import type { OutgoingMessage, ReplySender } from './types.js';

/**
 * A listing of `cur/` is reused while the directory's modification time stays what it was, and
 * that time is at least this much older than the listing: a file system stamps times from a
 * coarse clock (a jiffy; seconds on some), so a move into `cur/` in the same tick as the listing
 * could leave the time unchanged. Younger, `cur/` is listed again at every send.
 */
const SETTLED_MS = 2_000;

/**
 * Sends at once: each is a chain of file-system calls on libuv's pool (write, fsync, link, the
 * fsync of `new/` shared between them); one at a time, their latency, not their work, bounded a
 * lot's replies (~5 ms per reply on a loaded machine for ~1.5 ms of work).
 */
const CONCURRENT_SENDS = 8;

export class MaildirSender implements ReplySender {
  readonly concurrency = CONCURRENT_SENDS;
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #syncNew: () => Promise<void>;
  #ready: Promise<void> | undefined;
  /** The unique names (without flags) in `cur/` at its last listing, when it was taken, and `cur/`'s time then. */
  #cur: { names: Set<string>; listedAt: number; mtimeMs: number } | undefined;

  /** `clock`: tells which `tmp/` entries, left by a process killed mid-write, are stale. */
  constructor(dir: string, options: { clock?: Clock } = {}) {
    this.#dir = dir;
    this.#clock = options.clock ?? systemClock;
    this.#syncNew = coalescedFsyncDir(join(dir, 'new'));
  }

  /**
   * Idempotent per Message-ID: a reply sent again after a crash, or re-sent on replay with the
   * same Message-ID, leaves the one file already there. The no-overwrite `link` into `new/`
   * makes this hold even for two concurrent sends.
   */
  async send(message: OutgoingMessage): Promise<void> {
    // At first use: the folders, and what a process killed mid-write left in `tmp/` long ago removed.
    this.#ready ??= ensureMaildir(this.#dir)
      .then(async () => void (await removeStaleTmp(this.#dir, this.#clock.now())))
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    await this.#ready;
    const name = outgoingFileName(message.messageId);
    // A reader (a mail client on this Maildir) may already have moved it to cur/, adding flags.
    if ((await this.#namesInCur()).has(name)) return;
    await writeDurably(this.#dir, name, message.raw, 'link', this.#syncNew);
  }

  /** `cur/`'s names, listed again only when it changed since (a listing per send grew with `cur/`). */
  async #namesInCur(): Promise<Set<string>> {
    const cur = join(this.#dir, 'cur');
    // The wall clock, not the injected one: it is compared with the file system's own stamps.
    const listedAt = Date.now();
    const { mtimeMs } = await stat(cur);
    const cached = this.#cur;
    if (cached !== undefined && cached.mtimeMs === mtimeMs && cached.listedAt - mtimeMs >= SETTLED_MS) return cached.names;
    const names = new Set((await readdir(cur)).map(uniqueName));
    this.#cur = { names, listedAt, mtimeMs };
    return names;
  }

  async close(): Promise<void> {
    // Nothing held open: every send closes its files.
  }
}

/**
 * `<cr.G1104.LOT-1@gw.example>` → `cr.G1104.LOT-1@gw.example.<hash>.eml`. The hash of the exact
 * Message-ID keeps two ids apart even when sanitising or shortening makes them look alike.
 */
export function outgoingFileName(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  const safe = bare.replace(/[^A-Za-z0-9._@+=-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  const hash = createHash('sha256').update(bare).digest('hex').slice(0, 12);
  return `${safe}.${hash}.eml`;
}

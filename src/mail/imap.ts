/**
 * The deposit mailbox over IMAP (imapflow, imported by this module only). One connection at a
 * time, IDLE as soon as the mailbox is open, plus a UID SEARCH sweep in case IDLE died silently.
 * A closed ImapFlow cannot reconnect: every connection is a new client, after an exponential
 * backoff with jitter. No command is issued inside a fetch iterator (UIDs are collected first),
 * and every mailbox lock is released in `finally`.
 */
import { createHash } from 'node:crypto';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { systemClock, type Clock } from '../clock.js';
import { LIMITS } from '../limits.js';
import type { Logger } from '../log.js';
import type { InboundMessage, MailboxSource, SettledFolder } from './types.js';

export interface ImapSourceOptions {
  /** `imap://user@host:port/INBOX` or `imaps://…`; the path names the deposit mailbox (default INBOX). */
  readonly url: string;
  readonly password?: string | undefined;
  /** Certificate authority to trust for `imaps` (PEM), besides the system's. */
  readonly ca?: Buffer | undefined;
  /** How often the mailbox is searched besides IDLE. */
  readonly sweepIntervalMs?: number;
  readonly logger: Logger;
  /** Reads a message's INTERNALDATE on the gateway's calendar (default: the system clock). */
  readonly clock?: Clock;
}

/** Where a yielded message sits: `(mailbox, UIDVALIDITY, UID)`, plus what finds it again if UIDs changed. */
interface Identity {
  readonly uidValidity: bigint;
  readonly uid: number;
  readonly messageId?: string | undefined;
}

const IDLE_DELAY_MS = 100;
/** A sweep unanswered this long means a dead connection: it is dropped and made again. */
const SWEEP_TIMEOUT_MS = 3_000;
const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 30_000;

export class ImapSource implements MailboxSource {
  readonly #options: ImapSourceOptions;
  readonly #url: URL;
  readonly #path: string;
  readonly #log: Logger;
  #client: ImapFlow | undefined;
  #connecting: Promise<ImapFlow> | undefined;
  #failures = 0;
  #retryAt = 0;
  #closed = false;
  /** UIDs listed by the last `pending()`: a sweep wakes the loop only for others. */
  #seen = new Set<number>();
  readonly #identities = new WeakMap<InboundMessage, Identity>();
  readonly #folders = new Set<string>();
  readonly #wakers = new Set<() => void>();

  constructor(options: ImapSourceOptions) {
    this.#options = options;
    this.#url = new URL(options.url);
    this.#path = decodeURIComponent(this.#url.pathname.replace(/^\/+/, '')) || 'INBOX';
    this.#log = options.logger.child({ component: 'imap', mailbox: this.#path });
  }

  get connected(): boolean {
    return !this.#closed && this.#client?.usable === true;
  }

  async *pending(): AsyncIterable<InboundMessage> {
    const client = await this.#session();
    const { uidValidity, items } = await this.#list(client);
    this.#seen = new Set(items.map((item) => item.uid));
    for (const item of items) {
      if (this.#closed) return;
      const message = await this.#read(client, uidValidity, item);
      if (message) yield message;
    }
  }

  async settle(message: InboundMessage, folder: SettledFolder): Promise<void> {
    const identity = this.#identities.get(message) ?? parseSourceId(message.sourceId);
    const client = await this.#session();
    await this.#ensureFolder(client, folder);
    const lock = await client.getMailboxLock(this.#path);
    try {
      const mailbox = client.mailbox;
      if (!mailbox) throw new Error(`imap: ${this.#path} is not open`);
      const uids =
        identity && mailbox.uidValidity === identity.uidValidity
          ? (await client.search({ uid: String(identity.uid), deleted: false }, { uid: true })) || []
          : await this.#findByContent(client, message, identity?.messageId);
      if (uids.length === 0) {
        // Moved or deleted by someone else meanwhile: its outcome is committed, nothing to do.
        this.#log.warn({ source: message.sourceId, folder }, 'message already gone from the mailbox');
        return;
      }
      await this.#move(client, uids.join(','), folder);
      this.#log.debug({ source: message.sourceId, folder }, 'message settled');
    } finally {
      lock.release();
    }
  }

  async waitForMail(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || this.#closed) return;
    const sweepMs = Math.max(100, this.#options.sweepIntervalMs ?? 500);
    await new Promise<void>((resolve) => {
      let sweeping = false;
      let lastSweep = Date.now();
      const done = (): void => {
        clearTimeout(timer);
        clearInterval(tick);
        signal?.removeEventListener('abort', done);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      // A sweep every `sweepMs` while connected; while not, a new connection as soon as the backoff allows.
      const tick = setInterval(() => {
        const connected = this.#client?.usable === true;
        if (sweeping || (connected && Date.now() - lastSweep < sweepMs) || (!connected && Date.now() < this.#retryAt)) return;
        sweeping = true;
        lastSweep = Date.now();
        this.#sweep()
          .then((wake) => wake && done())
          .finally(() => (sweeping = false));
      }, Math.min(sweepMs, 100));
      signal?.addEventListener('abort', done, { once: true });
      this.#wakers.add(done);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
    const client = this.#client;
    this.#client = undefined;
    if (client?.usable) await withTimeout(client.logout(), 2_000).catch(() => client.close());
    else client?.close();
  }

  /** The connected client with the mailbox selected (IDLE follows by itself), made anew if needed. */
  #session(): Promise<ImapFlow> {
    if (this.#closed) return Promise.reject(new Error('imap: source closed'));
    if (this.#client?.usable) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<ImapFlow> {
    const wait = this.#retryAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const client = new ImapFlow({ ...clientOptions(this.#url, this.#options), autoIdleDelay: IDLE_DELAY_MS, connectionTimeout: 10_000, greetingTimeout: 10_000 });
    // Without a listener an 'error' event would crash the process; the close that follows is what counts.
    client.on('error', (error: Error) => this.#log.warn({ err: error }, 'IMAP connection error'));
    client.on('exists', (event) => {
      if (event.count > event.prevCount) this.#wake();
    });
    client.on('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      if (!this.#closed) this.#log.warn('IMAP connection closed; reconnecting');
      this.#wake();
    });
    try {
      await client.connect();
      (await client.getMailboxLock(this.#path)).release();
      this.#failures = 0;
      this.#client = client;
      this.#log.info({ capabilities: ['IDLE', 'MOVE', 'UIDPLUS'].filter((c) => client.capabilities.has(c)) }, 'IMAP mailbox open');
      return client;
    } catch (error) {
      client.close();
      this.#failures++;
      const delay = Math.min(BACKOFF_MIN_MS * 2 ** (this.#failures - 1), BACKOFF_MAX_MS);
      this.#retryAt = Date.now() + delay * (0.5 + Math.random() / 2);
      this.#log.warn({ err: error, failures: this.#failures, retryInMs: Math.round(this.#retryAt - Date.now()) }, 'IMAP connection failed');
      throw error;
    }
  }

  /** UIDs, sizes and Message-IDs of the waiting messages, oldest first: collected before any download. */
  async #list(client: ImapFlow): Promise<{ uidValidity: bigint; items: FetchMessageObject[] }> {
    const lock = await client.getMailboxLock(this.#path);
    try {
      const uidValidity = client.mailbox ? client.mailbox.uidValidity : 0n;
      const uids = (await client.search({ deleted: false }, { uid: true })) || [];
      if (uids.length === 0) return { uidValidity, items: [] };
      const items = await client.fetchAll(uids.join(','), { uid: true, size: true, internalDate: true, envelope: true }, { uid: true });
      return { uidValidity, items: items.sort((a, b) => a.uid - b.uid) };
    } finally {
      lock.release();
    }
  }

  /** One message; only its header section when over the size limit, so it is never downloaded whole. */
  async #read(client: ImapFlow, uidValidity: bigint, item: FetchMessageObject): Promise<InboundMessage | undefined> {
    const size = item.size ?? 0;
    const oversized = size > LIMITS.messageBytes;
    const lock = await client.getMailboxLock(this.#path);
    let fetched: FetchMessageObject | false;
    try {
      if (!client.mailbox || client.mailbox.uidValidity !== uidValidity) return undefined; // listed again next pass
      fetched = await client.fetchOne(String(item.uid), oversized ? { uid: true, headers: true } : { uid: true, source: true }, { uid: true });
    } finally {
      lock.release();
    }
    const raw = fetched ? (oversized ? fetched.headers : fetched.source) : undefined;
    if (!raw) return undefined; // moved away since the listing
    const message: InboundMessage = {
      sourceId: `${this.#path}:${uidValidity}:${item.uid}`,
      raw,
      sizeBytes: oversized ? size : raw.length,
      receivedAt: (this.#options.clock ?? systemClock).fromSystem(item.internalDate ? new Date(item.internalDate) : new Date()),
    };
    this.#identities.set(message, { uidValidity, uid: item.uid, messageId: item.envelope?.messageId });
    return message;
  }

  /** After a UIDVALIDITY change: the message found again by its Message-ID and its bytes. */
  async #findByContent(client: ImapFlow, message: InboundMessage, messageId: string | undefined): Promise<number[]> {
    if (messageId === undefined) return [];
    const uids = (await client.search({ header: { 'message-id': messageId }, deleted: false }, { uid: true })) || [];
    if (uids.length === 0) return [];
    const wanted = sha256(message.raw);
    const candidates = await client.fetchAll(uids.join(','), { uid: true, source: true, headers: true }, { uid: true });
    return candidates.filter((c) => [c.source, c.headers].some((b) => b && sha256(b) === wanted)).map((c) => c.uid);
  }

  /**
   * MOVE when the server has it (messageMove answers false rather than throwing: checked). Else
   * COPY + \Deleted, then UID EXPUNGE of these UIDs only; without UIDPLUS the message stays
   * flagged \Deleted (never listed again), since a plain EXPUNGE would remove others' messages.
   */
  async #move(client: ImapFlow, range: string, folder: SettledFolder): Promise<void> {
    if (client.capabilities.has('MOVE')) {
      if (await client.messageMove(range, folder, { uid: true })) return;
      const left = (await client.search({ uid: range, deleted: false }, { uid: true })) || [];
      if (left.length > 0) throw new Error(`imap: MOVE of UID ${range} to ${folder} refused`);
      return;
    }
    if (!(await client.messageCopy(range, folder, { uid: true }))) throw new Error(`imap: COPY of UID ${range} to ${folder} refused`);
    if (!(await client.messageFlagsAdd(range, ['\\Deleted'], { uid: true }))) throw new Error(`imap: cannot flag UID ${range} \\Deleted`);
    if (client.capabilities.has('UIDPLUS')) {
      if (!(await client.messageDelete(range, { uid: true }))) throw new Error(`imap: UID EXPUNGE of ${range} refused`);
    } else {
      this.#log.info({ uid: range, folder }, 'no MOVE nor UIDPLUS: copied and left flagged \\Deleted');
    }
  }

  async #ensureFolder(client: ImapFlow, folder: SettledFolder): Promise<void> {
    if (this.#folders.has(folder)) return;
    const existing = await client.list();
    if (!existing.some((m) => m.path === folder)) await client.mailboxCreate(folder); // created: false if it raced
    this.#folders.add(folder);
  }

  /** True when the loop should look: a UID not listed before, or a connection made again. */
  async #sweep(): Promise<boolean> {
    if (this.#closed) return false;
    if (!this.#client?.usable) {
      if (this.#connecting) return false;
      return this.#session().then(() => true, () => false);
    }
    const client = this.#client;
    try {
      return await withTimeout(
        (async () => {
          const lock = await client.getMailboxLock(this.#path);
          try {
            const uids = (await client.search({ deleted: false }, { uid: true })) || [];
            return uids.some((uid) => !this.#seen.has(uid));
          } finally {
            lock.release();
          }
        })(),
        SWEEP_TIMEOUT_MS,
      );
    } catch (error) {
      this.#log.warn({ err: error }, 'IMAP sweep failed; dropping the connection');
      client.close();
      return true;
    }
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}

function clientOptions(url: URL, options: Pick<ImapSourceOptions, 'password' | 'ca'>) {
  return {
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'imaps:' ? 993 : 143),
    secure: url.protocol === 'imaps:',
    auth: { user: decodeURIComponent(url.username), pass: options.password ?? '' },
    ...(options.ca ? { tls: { ca: [options.ca] } } : {}),
    logger: false as const,
  };
}

/**
 * For `doctor`: connects, authenticates, looks at the deposit mailbox and logs out, within
 * `timeoutMs`. Resolves with the mailbox and how many messages wait in it; rejects with why not.
 */
export async function probeImap(options: Pick<ImapSourceOptions, 'url' | 'password' | 'ca'> & { readonly timeoutMs: number }): Promise<{ mailbox: string; messages: number }> {
  const url = new URL(options.url);
  const mailbox = decodeURIComponent(url.pathname.replace(/^\/+/, '')) || 'INBOX';
  const client = new ImapFlow({ ...clientOptions(url, options), connectionTimeout: options.timeoutMs, greetingTimeout: options.timeoutMs });
  client.on('error', () => undefined); // the rejected promise below says what went wrong
  try {
    return await withTimeout(
      (async () => {
        await client.connect();
        const status = await client.status(mailbox, { messages: true });
        await client.logout();
        if (status === false) throw new Error(`la boîte ${mailbox} est introuvable sur le serveur`);
        return { mailbox, messages: status.messages ?? 0 };
      })(),
      options.timeoutMs,
    );
  } catch (error) {
    const failure = error as Error & { authenticationFailed?: boolean; responseText?: string };
    throw new Error(failure.authenticationFailed ? `authentification refusée${failure.responseText ? ` (${failure.responseText})` : ''}` : failure.message);
  } finally {
    client.close();
  }
}

/** `INBOX:1795664955:42` → its identity, for a message not yielded by this process. */
function parseSourceId(sourceId: string): Identity | undefined {
  const match = /:(\d+):(\d+)$/.exec(sourceId);
  return match ? { uidValidity: BigInt(match[1]!), uid: Number(match[2]) } : undefined;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`imap: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

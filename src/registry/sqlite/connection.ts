/**
 * One SQLite file (better-sqlite3, WAL) shared by the registry's parts, and how their synchronous
 * SQL becomes the asynchronous registry.
 *
 * better-sqlite3 runs each statement synchronously and its `transaction()` cannot span an
 * `await`, so a registry transaction is an explicit `BEGIN IMMEDIATE … COMMIT` held while its
 * work awaits, and transactions are serialised inside the process: one at a time on the
 * connection. IMMEDIATE takes the write lock at BEGIN, so two processes on one file serialise
 * their numbering instead of racing. A transaction's work must use its `tx`: a write on the
 * registry itself would wait for that very transaction. (Telling such a call apart would take an
 * AsyncLocalStorage, which on Node 20 slows every promise of the process.)
 *
 * A slow commit must not stall the process (issue 17): while a lot of thousands of demandes
 * commits, the HTTPS channel, the operations endpoints and the console keep answering. Two things
 * make it so. The transaction gives the event loop a turn every `YIELD_EVERY` calls of its `tx`
 * (its statements would otherwise run back to back, as promises resolved at once, never letting
 * I/O in). And reads made outside a transaction run at once on a second, read-only connection to
 * the same file, which sees the last commit (WAL: readers do not wait for the writer): never a
 * transaction's uncommitted work, and never waiting for it to end. Writes made outside a
 * transaction wait for an open one to end; when none is open they run at once (each completes
 * before anything else runs). An in-memory registry has no second connection: its reads wait as
 * writes do.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { applyMigration, MIGRATIONS } from './migrations.js';

export type Row = Record<string, unknown>;

/** The synchronous form of a part's interface: what a backend file implements. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/**
 * How many calls of a transaction's `tx` run between two turns given to the event loop: about 15
 * demandes of a lot (~2 ms), at no measurable cost (lots of 1,000 committed alternately with and
 * without the turns: 136 and 135 ms median).
 */
export const YIELD_EVERY = 128;

/** Statements compiled once per connection: preparing is a measurable cost per row. */
export class Statements {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

export class SqliteConnection extends Statements {
  readonly schemaVersion: number;
  /** The read-only connection for reads outside transactions; none in memory. */
  private readonly reader: Statements | undefined;
  /** Settles when the last queued transaction (or call waiting for one) is done. */
  private tail: Promise<void> = Promise.resolve();
  /** Transactions running or queued, and calls waiting behind them. */
  private queued = 0;
  /** Calls made on transactions' `tx`, counted for `YIELD_EVERY`. */
  private txCalls = 0;

  constructor(path: string) {
    super(openWriter(path));
    this.migrate();
    this.schemaVersion = this.userVersion();
    if (path !== ':memory:') {
      // Opened after the migrations, on a file the writer holds in WAL mode (its -wal and -shm
      // exist): a read-only connection needs nothing more.
      const reader = new Database(path, { readonly: true, fileMustExist: true });
      reader.pragma('busy_timeout = 10000');
      this.reader = new Statements(reader);
    }
  }

  private userVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const apply = this.db.transaction(() => {
      for (let step = this.userVersion(); step < MIGRATIONS.length; step++) {
        applyMigration(this.db, MIGRATIONS[step]!);
        this.db.pragma(`user_version = ${step + 1}`);
      }
    });
    apply.immediate();
  }

  /** Runs `work` after every transaction queued before it, alone on the connection. */
  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    this.queued++;
    return before.then(work).finally(() => {
      this.queued--;
      done();
    });
  }

  /** `BEGIN IMMEDIATE`, the work (awaited), then `COMMIT`, or `ROLLBACK` when it throws. */
  transaction<T, Tx>(tx: Tx, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.serialised(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /**
   * The part's methods for use inside a transaction, on its connection: at once, but every
   * `YIELD_EVERY`th call after a turn of the event loop, so that a long transaction lets the
   * process answer others meanwhile (they find it open: reads go to the reader, writes wait).
   */
  forTransaction<T>(part: Sync<T>): T {
    return mapMethods(part, (method) => (...args) => {
      if (++this.txCalls % YIELD_EVERY !== 0) return atOnce(method, args);
      return setImmediate().then(() => method(...args));
    });
  }

  /** The part's writes for use outside any transaction: they wait for an open one to end. */
  outsideTransaction<T>(part: Sync<T>): T {
    return mapMethods(part, (method) => (...args) => (this.queued === 0 ? atOnce(method, args) : this.serialised(async () => method(...args))));
  }

  /**
   * The part's reads for use outside any transaction, made by `build` on the connection they
   * run on: at once on the reader, which sees the last commit whether a transaction is open or
   * not; in memory, as writes.
   */
  readsOutsideTransaction<T>(build: (on: Statements) => Sync<T>): T {
    const reader = this.reader;
    if (reader === undefined) return this.outsideTransaction(build(this));
    return mapMethods(build(reader), (method) => (...args) => atOnce(method, args));
  }

  /** Once the transactions queued are done: a transaction between two turns is not cut. */
  async close(): Promise<void> {
    await this.tail;
    this.reader?.db.close();
    this.db.close();
  }
}

function openWriter(path: string): Database.Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Names, birth dates, identity numbers: the owner's alone. Created here with its mode, as
    // SQLite would make it 0644 minus the umask; SQLite gives the -wal and -shm files the mode
    // of the database file. Only when missing: a file this process has open in SQLite must not
    // be opened and closed beside it (that drops the process's fcntl locks on it).
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  return db;
}

type AnyMethod = (...args: unknown[]) => unknown;

/** A synchronous method's call as a promise: its result, or its exception as a rejection. */
function atOnce(method: AnyMethod, args: unknown[]): Promise<unknown> {
  try {
    return Promise.resolve(method(...args));
  } catch (error) {
    return Promise.reject(error);
  }
}

function mapMethods<T>(part: Sync<T>, wrap: (method: AnyMethod) => (...args: unknown[]) => Promise<unknown>): T {
  return Object.fromEntries(Object.entries(part as Record<string, AnyMethod>).map(([name, method]) => [name, wrap(method)])) as T;
}

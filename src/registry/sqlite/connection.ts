/**
 * One SQLite connection (better-sqlite3, WAL) shared by the registry's parts, and how their
 * synchronous SQL becomes the asynchronous registry.
 *
 * better-sqlite3 runs each statement synchronously and its `transaction()` cannot span an
 * `await`, so a registry transaction is an explicit `BEGIN IMMEDIATE … COMMIT` held while its
 * work awaits, and transactions are serialised inside the process: one at a time on the
 * connection. A call made outside any transaction runs at once when none is open (it completes
 * before anything else runs), else waits for the open one to end: it never sees, nor joins, a
 * transaction's uncommitted work. So a transaction's work must use its `tx`: a call on the
 * registry itself would wait for that very transaction. (Telling such a call apart would take an
 * AsyncLocalStorage, which on Node 20 slows every promise of the process.) IMMEDIATE takes the
 * write lock at BEGIN, so two processes on one file serialise their numbering instead of racing.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyMigration, MIGRATIONS } from './migrations.js';

export type Row = Record<string, unknown>;

/** The synchronous form of a part's interface: what a backend file implements. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export class SqliteConnection {
  readonly db: Database.Database;
  readonly schemaVersion: number;
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the last queued transaction (or call waiting for one) is done. */
  private tail: Promise<void> = Promise.resolve();
  /** Transactions running or queued, and calls waiting behind them. */
  private queued = 0;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Names, birth dates, identity numbers: the owner's alone. Created here with its mode, as
      // SQLite would make it 0644 minus the umask; SQLite gives the -wal and -shm files the mode
      // of the database file. Only when missing: a file this process has open in SQLite must not
      // be opened and closed beside it (that drops the process's fcntl locks on it).
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    this.migrate();
    this.schemaVersion = this.userVersion();
  }

  /** Statements are compiled once per connection: preparing is a measurable cost per row. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
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

  /** The part's methods for use inside a transaction: they run at once, on its connection. */
  forTransaction<T>(part: Sync<T>): T {
    return mapMethods(part, (method) => (...args) => {
      try {
        return Promise.resolve(method(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    });
  }

  /** The part's methods for use outside any transaction: they wait for an open one to end. */
  outsideTransaction<T>(part: Sync<T>): T {
    return mapMethods(part, (method) => (...args) => {
      if (this.queued === 0) {
        try {
          return Promise.resolve(method(...args));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return this.serialised(async () => method(...args));
    });
  }

  close(): void {
    this.db.close();
  }
}

type AnyMethod = (...args: unknown[]) => unknown;

function mapMethods<T>(part: Sync<T>, wrap: (method: AnyMethod) => (...args: unknown[]) => Promise<unknown>): T {
  return Object.fromEntries(Object.entries(part as Record<string, AnyMethod>).map(([name, method]) => [name, wrap(method)])) as T;
}

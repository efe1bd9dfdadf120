/**
 * A pool of PostgreSQL connections (node-postgres) shared by the registry's parts, and the
 * transactions they run in. `pg` is imported only in this folder.
 *
 * A registry transaction takes a transaction-scoped advisory lock right after BEGIN, so that the
 * transactions of every instance on the database run one at a time, as BEGIN IMMEDIATE makes them
 * on SQLite: a lot's numbering, doublon and identifiant checks read then write, and serialising
 * them keeps those checks race-free and the commit the same as on SQLite. The expensive work
 * (decryption, validation, rendering) happens outside transactions. Inside one process they are
 * also queued, so that waiting transactions do not each hold a pooled connection.
 *
 * A call outside any transaction runs at once on the pool: it sees only committed work (the
 * uncommitted work of an open transaction is invisible to other connections). A method that needs
 * several statements to apply together runs them in its own short transaction (`atomically`).
 */
import pg from 'pg';

export type Row = Record<string, unknown>;

/** How a part runs SQL: `$1`-style parameters, rows as plain objects. */
export interface Sql {
  all(text: string, ...params: unknown[]): Promise<Row[]>;
  one(text: string, ...params: unknown[]): Promise<Row | undefined>;
  /** Runs a statement; the number of rows it changed. */
  run(text: string, ...params: unknown[]): Promise<number>;
}

export interface PostgresOptions {
  /** `postgres://user@host:port/db`: no password in it. */
  readonly connectionString: string;
  readonly password?: string;
  /** The CA certificate(s) to trust: the connection then requires TLS. */
  readonly ca?: Buffer;
}

/**
 * Key of the advisory lock every registry transaction takes (`pg_advisory_xact_lock`); any
 * constant works, as long as nothing else on the database uses it. "SNE" then 1.
 */
export const TRANSACTION_LOCK = 0x534e4501;

/**
 * The parts' statements are few and run thousands of times per lot: each is prepared once per
 * connection under a name of its own (the server then skips parsing and planning it again).
 */
const statementNames = new Map<string, string>();
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `sne_${statementNames.size + 1}`));
  return { name, text, values };
}

export function sqlOn(db: pg.Pool | pg.PoolClient): Sql {
  const all = async (text: string, ...params: unknown[]): Promise<Row[]> => (await db.query<Row>(prepared(text, params))).rows;
  return {
    all,
    one: async (text, ...params) => (await all(text, ...params))[0],
    run: async (text, ...params) => (await db.query(prepared(text, params))).rowCount ?? 0,
  };
}

/**
 * `relaxed`: its commits do not wait for the WAL to reach the disk (`synchronous_commit = off`);
 * a server crash may lose the last ~0.6 s of them, never corrupt anything. For the outbox's and
 * leases' bookkeeping only, where a lost write is a repeat (a reply prepared or sent again under
 * its Message-ID, a lease taken again): a flush per reply tripled the cost of a lot's replies.
 */
export function createPool(options: PostgresOptions, { relaxed = false } = {}): pg.Pool {
  const pool = new pg.Pool({
    ...serverOf(options.connectionString),
    ...(relaxed ? { options: '-c synchronous_commit=off', max: 4 } : {}),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.ca === undefined ? {} : { ssl: { ca: options.ca } }),
  });
  // An idle pooled connection the server closed emits here; unhandled, it would end the process.
  // The pool drops it, and the next query gets a new connection (or reports the outage itself).
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Host, port, user and database of a `postgres://user@host:port/db` URL. Not given to `pg` as a
 * connection string: `pg` would let the URL's (empty) password and TLS parameters override the
 * options beside it.
 */
function serverOf(connectionString: string): pg.PoolConfig {
  const url = new URL(connectionString);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('the registry URL must start with postgres://');
  if (url.password !== '') throw new Error('the registry URL must not hold a password');
  if (url.search !== '') throw new Error('the registry URL takes no parameters');
  return {
    host: decodeURIComponent(url.hostname.replace(/^\[(.+)\]$/, '$1')),
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

export class PostgresConnection {
  /** For calls outside any transaction. */
  readonly sql: Sql;
  /** For the outbox's and leases' bookkeeping, outside any transaction (see `createPool`). */
  readonly relaxed: Sql;
  /** Settles when the last queued registry transaction of this process is done. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly pool: pg.Pool,
    private readonly relaxedPool: pg.Pool,
  ) {
    this.sql = sqlOn(pool);
    this.relaxed = sqlOn(relaxedPool);
  }

  /** A registry transaction: one at a time across every instance on the database. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const before = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    return before.then(() => this.run(true, work)).finally(done);
  }

  /** A short transaction of a few statements that must apply together, not serialised with the lots. */
  atomically<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.run(false, work);
  }

  private async run<T>(serialised: boolean, work: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // READ COMMITTED whatever the server's default: each statement then sees what the previous
      // holder of the lock committed; a REPEATABLE READ snapshot would be taken before the lock.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      if (serialised) await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK]);
      const result = await work(sqlOn(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: destroyed, not reused.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.relaxedPool.end()]);
  }
}

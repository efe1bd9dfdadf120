/**
 * A PostgreSQL registry written by `registry copy` (src/registry/copy.ts). Opening it migrates
 * the database to the current schema, then opens the one transaction the whole copy runs in,
 * holding the lock every registry transaction takes (connection.ts): an instance started on the
 * database meanwhile waits for the copy to end. Nothing is visible to others before `commit`;
 * `close` without it rolls everything back.
 *
 * Rows go in a page per statement (`INSERT … SELECT FROM unnest($1::text[], …)`: one round trip
 * and one parse per page), and are read back through a cursor in primary-key order.
 */
import type pg from 'pg';
import type { CopyRow, CopyTarget, CopyValue, TableShape } from '../copy.js';
import { createPool, TRANSACTION_LOCK, type PostgresOptions } from './connection.js';
import { migrate } from './migrations.js';

interface Column {
  readonly name: string;
  /** `text`, `integer`, `bigint` or `bytea`. */
  readonly type: string;
  readonly identity: boolean;
}

/** Rows fetched at a time when reading back; fewer for tables holding bytes (originals up to 8 MiB). */
const FETCH_ROWS = 2000;
const FETCH_ROWS_WITH_BYTES = 8;

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class PostgresImport implements CopyTarget {
  /** Connects, migrates, begins the copy's transaction. Rejects when the server cannot be reached or the schema not brought up to date. */
  static async open(options: PostgresOptions): Promise<PostgresImport> {
    const pool = createPool(options);
    try {
      const schemaVersion = await migrate(pool);
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK]);
        const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
          `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
           WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
        );
        const tables = new Map<string, Column[]>();
        for (const r of rows) {
          const list = tables.get(r.table_name) ?? [];
          list.push({ name: r.column_name, type: r.data_type, identity: r.is_identity === 'YES' });
          tables.set(r.table_name, list);
        }
        return new PostgresImport(pool, client, schemaVersion, tables);
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  private open = true;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly client: pg.PoolClient,
    readonly schemaVersion: number,
    private readonly tables: ReadonlyMap<string, readonly Column[]>,
  ) {}

  columns(table: string): readonly string[] | undefined {
    return this.tables.get(table)?.map((c) => c.name);
  }

  private column(table: string, name: string): Column {
    const column = this.tables.get(table)?.find((c) => c.name === name);
    if (column === undefined) throw new Error(`no column ${table}.${name} in the PostgreSQL registry`);
    return column;
  }

  async nonEmpty(tables: readonly string[]): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      tables.map((t, i) => `SELECT $${i + 1}::text AS name WHERE EXISTS (SELECT 1 FROM ${quoted(t)})`).join(' UNION ALL '),
      [...tables],
    );
    return tables.filter((t) => rows.some((r) => r.name === t));
  }

  async insert(table: string, columns: readonly string[], rows: readonly CopyRow[]): Promise<void> {
    if (rows.length === 0) return;
    const types = columns.map((c) => this.column(table, c).type);
    await this.client.query(
      `INSERT INTO ${quoted(table)} (${columns.map(quoted).join(', ')})
       SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`,
      columns.map((c) => rows.map((row) => row[c] ?? null)),
    );
  }

  async *pages(table: TableShape): AsyncIterable<readonly CopyRow[]> {
    const columns = table.columns.map((c) => this.column(table.name, c));
    const bigints = columns.filter((c) => c.type === 'bigint').map((c) => c.name);
    const fetch = `FETCH ${columns.some((c) => c.type === 'bytea') ? FETCH_ROWS_WITH_BYTES : FETCH_ROWS} FROM registry_copy`;
    await this.client.query(
      `DECLARE registry_copy NO SCROLL CURSOR FOR
       SELECT ${table.columns.map(quoted).join(', ')} FROM ${quoted(table.name)} ORDER BY ${table.primaryKey.map(quoted).join(', ')}`,
    );
    // The next page is fetched while the caller digests this one.
    let next = this.client.query<Record<string, CopyValue>>(fetch);
    try {
      for (;;) {
        const { rows } = await next;
        if (rows.length === 0) break;
        next = this.client.query<Record<string, CopyValue>>(fetch);
        // node-postgres gives BIGINT as text (it may exceed 2^53); the registry's ids do not, and SQLite gives them as numbers.
        for (const row of rows) for (const name of bigints) if (row[name] !== null) row[name] = Number(row[name]);
        yield rows;
      }
    } finally {
      // Left early (the caller failed): the fetch in flight is let go. In an aborted transaction
      // CLOSE fails too; the caller's error is the one to report, and the rollback frees the cursor.
      await next.catch(() => undefined);
      await this.client.query('CLOSE registry_copy').catch(() => undefined);
    }
  }

  async resetSequences(): Promise<void> {
    for (const [table, columns] of this.tables) {
      for (const column of columns.filter((c) => c.identity)) {
        // The next generated id follows the highest copied (1 on an empty table).
        await this.client.query(
          `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(max(${quoted(column.name)}), 1), max(${quoted(column.name)}) IS NOT NULL) FROM ${quoted(table)}`,
          [quoted(table), column.name],
        );
      }
    }
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    this.open = false;
  }

  /** Rolls back what was not committed, and disconnects. */
  async close(): Promise<void> {
    let broken: Error | undefined;
    if (this.open) {
      this.open = false;
      try {
        await this.client.query('ROLLBACK');
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
      }
    }
    this.client.release(broken);
    await this.pool.end();
  }
}

/**
 * A SQLite registry read for `registry copy` (src/registry/copy.ts): each table's shape and its
 * rows in primary-key order, a page at a time, all in one read transaction (one snapshot of the
 * registry, whatever another process commits meanwhile). The file is opened as it is, not
 * migrated: the copy refuses a registry at another schema version.
 */
import Database from 'better-sqlite3';
import type { CopyRow, CopySource, TableShape } from '../copy.js';

/** A page holds at most this many rows… */
const PAGE_ROWS = 2000;
/** …and about this many bytes of text and blobs (a lot's original may weigh 8 MiB). */
const PAGE_BYTES = 8 * 2 ** 20;

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class SqliteExport implements CopySource {
  private readonly db: Database.Database;
  readonly schemaVersion: number;

  constructor(path: string) {
    this.db = new Database(path, { fileMustExist: true });
    this.db.pragma('busy_timeout = 10000');
    this.schemaVersion = Number(this.db.pragma('user_version', { simple: true }));
    // A read transaction from the first read on: every table is read from the same snapshot.
    this.db.exec('BEGIN');
    this.db.prepare('SELECT count(*) FROM sqlite_schema').get();
  }

  table(name: string): TableShape | undefined {
    const info = this.db.prepare(`PRAGMA table_info(${quoted(name)})`).all() as { name: string; pk: number }[];
    if (info.length === 0) return undefined;
    return {
      name,
      columns: info.map((c) => c.name),
      primaryKey: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
    };
  }

  count(table: string): number {
    return Number(this.db.prepare(`SELECT count(*) FROM ${quoted(table)}`).pluck().get());
  }

  *pages(table: TableShape): Iterable<readonly CopyRow[]> {
    const statement = this.db.prepare(
      `SELECT ${table.columns.map(quoted).join(', ')} FROM ${quoted(table.name)} ORDER BY ${table.primaryKey.map(quoted).join(', ')}`,
    );
    let page: CopyRow[] = [];
    let bytes = 0;
    for (const row of statement.iterate() as IterableIterator<CopyRow>) {
      page.push(row);
      for (const value of Object.values(row)) if (typeof value === 'string' || Buffer.isBuffer(value)) bytes += value.length;
      if (page.length >= PAGE_ROWS || bytes >= PAGE_BYTES) {
        yield page;
        page = [];
        bytes = 0;
      }
    }
    if (page.length > 0) yield page;
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

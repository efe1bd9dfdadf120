/**
 * `registry copy`: a SQLite registry into an empty PostgreSQL one (issue 16, point 4). The
 * backends give and take plain rows (sqlite/export.ts, postgres/import.ts); this module decides
 * the order of the tables, checks what was copied and reports it. The whole copy is one
 * transaction on the target: a copy that fails or does not check out leaves the target empty.
 *
 * The check: per table, the row count and a SHA-256 over a canonical serialisation of the rows in
 * primary-key order, computed here, alike, from the rows the source gave and from the rows read
 * back from the target before it commits. Both backends order text by bytes (SQLite's BINARY,
 * PostgreSQL's COLLATE "C"), so the key order is the same on both.
 */
import { createHash, type Hash } from 'node:crypto';
import { SCHEMA_VERSION } from './registry.js';

/** A column's value as both backends give it: text, an integer, bytes, or NULL. */
export type CopyValue = string | number | Buffer | null;
export type CopyRow = Readonly<Record<string, CopyValue>>;

/** A table as the source has it: its columns (in the source's order) and its primary key. */
export interface TableShape {
  readonly name: string;
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
}

/** The registry copied from, read in one consistent snapshot. */
export interface CopySource {
  readonly schemaVersion: number;
  /** The table's shape, or undefined when it does not exist. */
  table(name: string): TableShape | undefined;
  count(table: string): number;
  /** The table's rows in primary-key order, a page at a time. */
  pages(table: TableShape): Iterable<readonly CopyRow[]>;
}

/** The registry copied into: everything happens in one transaction, committed by `commit`. */
export interface CopyTarget {
  readonly schemaVersion: number;
  /** The table's columns, or undefined when it does not exist. */
  columns(table: string): readonly string[] | undefined;
  /** Those of `tables` that hold at least one row. */
  nonEmpty(tables: readonly string[]): Promise<string[]>;
  insert(table: string, columns: readonly string[], rows: readonly CopyRow[]): Promise<void>;
  /** The table's rows as the target now holds them, in the order of `table.primaryKey`, a page at a time. */
  pages(table: TableShape): AsyncIterable<readonly CopyRow[]>;
  /** Sets each generated id to continue after the highest copied. */
  resetSequences(): Promise<void>;
  commit(): Promise<void>;
}

/**
 * Every table of the registry but `leases` (who holds the intake or a periodic pass right now:
 * meaningless on another database), parents before children for the foreign keys.
 */
export const COPIED_TABLES: readonly string[] = [
  'guichets',
  'guichet_adresses',
  'guichet_cles',
  'guichet_departements',
  'guichet_communes',
  'guichet_certificats',
  'territoires',
  'gestionnaires',
  'lots',
  'lot_resultats',
  'lot_receptions',
  'lot_rejeux',
  'numero_sequences',
  'demandes',
  'demande_sources',
  'evenements',
  'outbox',
  'outbox_raw',
  'preavis',
  'dispatch_passes',
  'dispatches',
];

export interface CopiedTable {
  readonly table: string;
  readonly rows: number;
  /** SHA-256 (hex) of the table's canonical rows, the same on both sides. */
  readonly sha256: string;
}

export interface CopyReport {
  readonly schemaVersion: number;
  readonly tables: readonly CopiedTable[];
}

/** The copy cannot start (schema versions, non-empty target): nothing was written. */
export class CopyRefusedError extends Error {
  override readonly name = 'CopyRefusedError';
}

/** What was read back from the target differs from the source: the copy was rolled back. */
export class CopyMismatchError extends Error {
  override readonly name = 'CopyMismatchError';
}

export type CopyPhase = 'copie' | 'verification';

export interface CopyOptions {
  /** `done` rows of `total` copied, then verified. */
  readonly onProgress?: (phase: CopyPhase, done: number, total: number) => void;
}

/**
 * Copies every table of `source` into `target` and commits once each table's count and checksum
 * read back from the target match the source's. Throws CopyRefusedError before writing anything,
 * CopyMismatchError (or the target's error) after: the caller then closes the target uncommitted.
 */
export async function copyRegistry(source: CopySource, target: CopyTarget, options: CopyOptions = {}): Promise<CopyReport> {
  const progress = options.onProgress ?? (() => undefined);
  if (source.schemaVersion !== SCHEMA_VERSION) {
    throw new CopyRefusedError(
      `Le registre SQLite est au schéma version ${source.schemaVersion}, cette passerelle copie la version ${SCHEMA_VERSION} : ` +
        (source.schemaVersion < SCHEMA_VERSION
          ? 'ouvrez-le d’abord avec cette version (par exemple « sne-gateway doctor »), qui le met à jour, puis relancez la copie.'
          : 'utilisez la version de la passerelle qui l’a écrit.'),
    );
  }
  if (target.schemaVersion !== SCHEMA_VERSION) {
    throw new CopyRefusedError(
      `Le registre PostgreSQL est au schéma version ${target.schemaVersion}, cette passerelle copie la version ${SCHEMA_VERSION} : utilisez la version de la passerelle qui l’a créé.`,
    );
  }
  const tables = COPIED_TABLES.map((name) => {
    const shape = source.table(name);
    if (shape === undefined) throw new CopyRefusedError(`Le registre SQLite n’a pas de table ${name} : fichier incomplet ou qui n’est pas un registre.`);
    const columns = target.columns(name);
    if (columns === undefined || !sameSet(columns, shape.columns)) {
      throw new CopyRefusedError(`La table ${name} n’a pas les mêmes colonnes dans les deux registres : schémas incompatibles, copie impossible.`);
    }
    return shape;
  });
  const occupied = await target.nonEmpty(COPIED_TABLES);
  if (occupied.length > 0) {
    throw new CopyRefusedError(
      `Le registre PostgreSQL de destination n’est pas vide (lignes dans : ${occupied.join(', ')}) : la copie se fait dans un registre vide, rien n’a été copié. ` +
        'Donnez une base neuve (ou videz celle-ci) puis relancez la copie.',
    );
  }

  const counts = new Map(tables.map((t) => [t.name, source.count(t.name)]));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const copied = new Map<string, { rows: number; sha256: string }>();
  let done = 0;
  progress('copie', 0, total);
  for (const table of tables) {
    const digest = new RowDigest(table.columns);
    // The next page is read from SQLite while the previous one is being inserted on the server.
    let inserting: Promise<void> = Promise.resolve();
    for (const page of source.pages(table)) {
      digest.add(page);
      await inserting;
      inserting = target.insert(table.name, table.columns, page);
      done += page.length;
      progress('copie', done, total);
    }
    await inserting;
    copied.set(table.name, { rows: digest.rows, sha256: digest.hex() });
  }

  done = 0;
  progress('verification', 0, total);
  const report: CopiedTable[] = [];
  for (const table of tables) {
    const digest = new RowDigest(table.columns);
    for await (const page of target.pages(table)) {
      digest.add(page);
      done += page.length;
      progress('verification', done, total);
    }
    const expected = copied.get(table.name)!;
    const sha256 = digest.hex();
    if (digest.rows !== expected.rows) {
      throw new CopyMismatchError(`Table ${table.name} : ${expected.rows} ligne(s) lue(s) dans le registre SQLite, ${digest.rows} relue(s) dans PostgreSQL ; copie annulée, la destination est restée vide.`);
    }
    if (sha256 !== expected.sha256) {
      throw new CopyMismatchError(`Table ${table.name} : les sommes de contrôle des deux registres diffèrent ; copie annulée, la destination est restée vide.`);
    }
    report.push({ table: table.name, rows: digest.rows, sha256 });
  }
  await target.resetSequences();
  await target.commit();
  return { schemaVersion: SCHEMA_VERSION, tables: report };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

/**
 * SHA-256 of rows serialised canonically: one line per row, the JSON array of its values in the
 * source's column order, bytes given as the SHA-256 of their content (an original may weigh
 * 8 MiB). A row's line does not depend on how the rows were cut into pages.
 */
export class RowDigest {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;

  constructor(private readonly columns: readonly string[]) {}

  add(rows: readonly CopyRow[]): void {
    let text = '';
    for (const row of rows) text += `${JSON.stringify(this.columns.map((c) => canonical(row[c])))}\n`;
    this.hash.update(text);
    this.rows += rows.length;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

function canonical(value: CopyValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (Buffer.isBuffer(value)) return { octets: createHash('sha256').update(value).digest('hex') };
  return value;
}

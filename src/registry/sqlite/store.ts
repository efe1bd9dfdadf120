/**
 * The SQLite registry: the parts (one file each in this folder) on one file (connection.ts), their
 * reads built twice: on the writer, for transactions, and on the read-only connection, for calls
 * outside them. better-sqlite3 is imported only in this folder.
 */
import type { Registry, RegistryReads, RegistryTx } from '../registry.js';
import { SqliteConnection, type Statements, type Sync } from './connection.js';
import { demandesReads, demandesTx } from './demandes.js';
import { gestionnairesReads, gestionnairesWrites } from './gestionnaires.js';
import { dispatchingReads, dispatchingTx } from './dispatching.js';
import { guichetsReads, guichetsWrites } from './guichets.js';
import { leasesWrites } from './leases.js';
import { lotsOutsideReads, lotsReads, lotsTx, lotsWrites, type LotsOutsideReads } from './lots.js';
import { outboxOutsideReads, outboxReads, outboxTx, outboxWrites, type OutboxOutsideReads } from './outbox.js';
import { preavisReads, preavisTx } from './preavis.js';
import { territoiresReads, territoiresWrites } from './territoires.js';

/** The registry but for what the class itself defines. */
type Outside = Omit<Registry, 'transaction' | 'schemaVersion' | 'server' | 'close'>;
/** What only reads, outside a transaction: never waits for one (connection.ts). */
type OutsideReads = RegistryReads & LotsOutsideReads & OutboxOutsideReads;

/** What may be read inside and outside a transaction, on the connection given. */
function reads(on: Statements): Sync<RegistryReads> {
  return {
    ...guichetsReads(on),
    ...lotsReads(on),
    ...demandesReads(on),
    ...outboxReads(on),
    ...territoiresReads(on),
    ...gestionnairesReads(on),
    ...preavisReads(on),
    ...dispatchingReads(on),
  };
}

/** The SQLite registry's methods come from its parts (see the constructor). */
export interface SqliteRegistry extends Outside {}

export class SqliteRegistry implements Registry {
  private readonly connection: SqliteConnection;
  private readonly tx: RegistryTx;

  constructor(path: string) {
    const c = new SqliteConnection(path);
    this.connection = c;
    this.tx = c.forTransaction<RegistryTx>({ ...reads(c), ...lotsTx(c), ...demandesTx(c), ...outboxTx(c), ...preavisTx(c), ...dispatchingTx(c) });
    Object.assign(
      this,
      c.readsOutsideTransaction<OutsideReads>((on) => ({ ...reads(on), ...lotsOutsideReads(on), ...outboxOutsideReads(on) })),
      c.outsideTransaction<Omit<Outside, keyof OutsideReads>>({
        ...guichetsWrites(c),
        ...lotsWrites(c),
        ...outboxWrites(c),
        ...territoiresWrites(c),
        ...gestionnairesWrites(c),
        ...leasesWrites(c),
      }),
    );
  }

  get schemaVersion(): number {
    return this.connection.schemaVersion;
  }

  get server(): string {
    return `SQLite ${String(this.connection.db.prepare('SELECT sqlite_version()').pluck().get())}`;
  }

  transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T> {
    return this.connection.transaction(this.tx, work);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

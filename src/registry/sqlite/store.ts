/**
 * The SQLite registry: the parts (one file each in this folder) on one connection
 * (connection.ts). better-sqlite3 is imported only in this folder.
 */
import type { Registry, RegistryReads, RegistryTx } from '../registry.js';
import { SqliteConnection, type Sync } from './connection.js';
import { demandesReads, demandesTx } from './demandes.js';
import { gestionnairesReads, gestionnairesWrites } from './gestionnaires.js';
import { dispatchingReads, dispatchingTx } from './dispatching.js';
import { guichetsReads, guichetsWrites } from './guichets.js';
import { leasesWrites } from './leases.js';
import { lotsReads, lotsTx, lotsWrites } from './lots.js';
import { outboxReads, outboxTx, outboxWrites } from './outbox.js';
import { preavisReads, preavisTx } from './preavis.js';
import { territoiresReads, territoiresWrites } from './territoires.js';

/** The SQLite registry's methods come from its parts (see the constructor). */
export interface SqliteRegistry extends Omit<Registry, 'transaction' | 'schemaVersion' | 'server' | 'close'> {}

export class SqliteRegistry implements Registry {
  private readonly connection: SqliteConnection;
  private readonly tx: RegistryTx;

  constructor(path: string) {
    const c = new SqliteConnection(path);
    this.connection = c;
    const reads: Sync<RegistryReads> = {
      ...guichetsReads(c),
      ...lotsReads(c),
      ...demandesReads(c),
      ...outboxReads(c),
      ...territoiresReads(c),
      ...gestionnairesReads(c),
      ...preavisReads(c),
      ...dispatchingReads(c),
    };
    this.tx = c.forTransaction<RegistryTx>({ ...reads, ...lotsTx(c), ...demandesTx(c), ...outboxTx(c), ...preavisTx(c), ...dispatchingTx(c) });
    Object.assign(
      this,
      c.outsideTransaction<Omit<Registry, 'transaction' | 'schemaVersion' | 'server' | 'close'>>({
        ...reads,
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

  async close(): Promise<void> {
    this.connection.close();
  }
}

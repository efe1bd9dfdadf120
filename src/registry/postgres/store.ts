/**
 * The PostgreSQL registry: the parts (one file each in this folder) on one pool of connections
 * (connection.ts), the schema brought up to date when opened (migrations.ts). Several gateway
 * instances may open the same database.
 */
import type { Registry, RegistryReads, RegistryTx } from '../registry.js';
import { createPool, PostgresConnection, type PostgresOptions, type Sql } from './connection.js';
import { demandesReads, demandesTx } from './demandes.js';
import { gestionnairesReads, gestionnairesWrites } from './gestionnaires.js';
import { dispatchingReads, dispatchingTx } from './dispatching.js';
import { guichetsReads, guichetsWrites } from './guichets.js';
import { leasesWrites } from './leases.js';
import { lotsReads, lotsTx, lotsWrites } from './lots.js';
import { migrate } from './migrations.js';
import { outboxReads, outboxTx, outboxWrites } from './outbox.js';
import { preavisReads, preavisTx } from './preavis.js';
import { territoiresReads, territoiresWrites } from './territoires.js';

export type { PostgresOptions } from './connection.js';

/** The PostgreSQL registry's methods come from its parts (see the constructor). */
export interface PostgresRegistry extends Omit<Registry, 'transaction' | 'schemaVersion' | 'server' | 'close'> {}

function reads(sql: Sql): RegistryReads {
  return { ...guichetsReads(sql), ...lotsReads(sql), ...demandesReads(sql), ...outboxReads(sql), ...territoiresReads(sql), ...gestionnairesReads(sql), ...preavisReads(sql), ...dispatchingReads(sql) };
}

export class PostgresRegistry implements Registry {
  /** Connects and migrates; rejects when the server cannot be reached or the schema not brought up to date. */
  static async open(options: PostgresOptions): Promise<PostgresRegistry> {
    const pool = createPool(options);
    const relaxed = createPool(options, { relaxed: true });
    try {
      const schemaVersion = await migrate(pool);
      const row = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0];
      return new PostgresRegistry(new PostgresConnection(pool, relaxed), schemaVersion, row?.server_version ?? 'unknown');
    } catch (error) {
      await Promise.all([pool.end(), relaxed.end()]);
      throw error;
    }
  }

  private constructor(
    private readonly connection: PostgresConnection,
    /** The schema version the database was migrated to when opened. */
    readonly schemaVersion: number,
    /** The server's version (`SHOW server_version`), for `doctor`. */
    private readonly serverVersion: string,
  ) {
    const c = connection;
    Object.assign(this, {
      ...reads(c.sql),
      ...guichetsWrites(c),
      ...lotsWrites(c.sql),
      ...outboxWrites(c),
      ...territoiresWrites(c.sql),
      ...gestionnairesWrites(c.sql),
      ...leasesWrites(c.relaxed),
    } satisfies Omit<Registry, 'transaction' | 'schemaVersion' | 'server' | 'close'>);
  }

  get server(): string {
    return `PostgreSQL ${this.serverVersion}`;
  }

  transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T> {
    return this.connection.transaction((sql) => {
      const tx: RegistryTx = { ...reads(sql), ...lotsTx(sql), ...demandesTx(sql), ...outboxTx(sql), ...preavisTx(sql), ...dispatchingTx(sql) };
      return work(tx);
    });
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

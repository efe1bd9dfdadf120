/**
 * The registry as the rest of the gateway sees it: one asynchronous contract made of parts, one
 * module each (guichets.ts, lots.ts, demandes.ts, outbox.ts, territoires.ts, gestionnaires.ts, preavis.ts, dispatching.ts, leases.ts) over the
 * entities of model.ts. A backend implements it (src/registry/sqlite/, src/registry/postgres/);
 * nothing outside a backend's folder knows SQL. A lot is committed by `transaction`, in one go or
 * not at all: its work must use `tx`, the only handle valid inside it (a call on the registry
 * itself never sees the transaction's uncommitted work; a read answers from the last commit
 * without waiting for the transaction, a write on SQLite waits for it to end).
 */
import type { GestionnairesReads, GestionnairesRegistry } from './gestionnaires.js';
import type { DemandesReads, DemandesRegistry, DemandesTx } from './demandes.js';
import type { DispatchingReads, DispatchingRegistry, DispatchingTx } from './dispatching.js';
import type { GuichetsReads, GuichetsRegistry } from './guichets.js';
import type { LeasesRegistry } from './leases.js';
import type { LotsReads, LotsRegistry, LotsTx } from './lots.js';
import type { OutboxReads, OutboxRegistry, OutboxTx } from './outbox.js';
import type { PreavisReads, PreavisTx } from './preavis.js';
import type { TerritoiresReads, TerritoiresRegistry } from './territoires.js';

/**
 * The schema version this code works with. Both backends migrate to it, their steps numbered
 * alike (a new step is added to both lists); `doctor` reports a registry that is not at it.
 */
export const SCHEMA_VERSION = 16;

/** What may be read both inside and outside a transaction. */
export interface RegistryReads extends GuichetsReads, GestionnairesReads, LotsReads, DemandesReads, OutboxReads, TerritoiresReads, PreavisReads, DispatchingReads {}

/** What a lot's operations may do inside its transaction. */
export interface RegistryTx extends RegistryReads, LotsTx, DemandesTx, OutboxTx, PreavisTx, DispatchingTx {}

export interface Registry extends GuichetsRegistry, GestionnairesRegistry, LotsRegistry, DemandesRegistry, OutboxRegistry, TerritoiresRegistry, PreavisReads, LeasesRegistry, DispatchingRegistry {
  /**
   * Runs `work` in one transaction: committed when its promise resolves, rolled back when it
   * rejects. Transactions of one registry run one at a time.
   */
  transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T>;
  /** The schema version the registry was migrated to when opened. */
  readonly schemaVersion: number;
  /** The engine and its version, for `doctor` (`SQLite 3.50.4`, `PostgreSQL 15.14`). */
  readonly server: string;
  close(): Promise<void>;
}

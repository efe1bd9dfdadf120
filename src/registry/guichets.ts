/**
 * The registry's guichets: who may send lots (addresses, OpenPGP keys, départements), where
 * replies go, and the communes where a bailleur holds housing stock (for attestations).
 */
import type { Guichet, GuichetChanges, NewGuichet } from './model.js';

/** What may be read both inside and outside a transaction. */
export interface GuichetsReads {
  getGuichet(code: string): Promise<Guichet | undefined>;
  /** The active guichet that may send from this address, if any. */
  guichetBySender(address: string): Promise<Guichet | undefined>;
  listGuichets(): Promise<readonly Guichet[]>;
  /** The active guichet one of whose client certificates has this SHA-256 fingerprint (spec 7), if any. */
  guichetByCertificate(empreinte: string): Promise<Guichet | undefined>;
  /** Communes (INSEE codes) where a bailleur holds housing stock. */
  guichetCommunes(guichet: string): Promise<readonly string[]>;
  /** Names of the active guichets holding housing stock in any of these communes, sorted. */
  bailleursIn(communes: readonly string[]): Promise<readonly string[]>;
}

/** A gestionnaire's changes, each one applied whole or not at all. */
export interface GuichetsRegistry extends GuichetsReads {
  addGuichet(guichet: NewGuichet): Promise<void>;
  /** Replaces the given fields of a guichet (lists replaced whole); false when it does not exist. */
  updateGuichet(code: string, changes: GuichetChanges): Promise<boolean>;
  addGuichetKey(code: string, key: { readonly fingerprint: string; readonly armored: string }): Promise<void>;
  removeGuichetKey(code: string, fingerprint: string): Promise<boolean>;
  /**
   * Registers a client certificate's SHA-256 fingerprint for a guichet; false when another guichet
   * holds it (a certificate names one guichet). Idempotent for the same guichet.
   */
  addGuichetCertificate(code: string, empreinte: string): Promise<boolean>;
  removeGuichetCertificate(code: string, empreinte: string): Promise<boolean>;
  setGuichetCommunes(guichet: string, communes: readonly string[]): Promise<void>;
}

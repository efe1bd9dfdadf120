/**
 * What a gestionnaire sees and acts on: the guichets habilitated for one of their départements,
 * those guichets' lots, and the demandes of those guichets or of their territories. Anything else
 * is answered as if it did not exist (404). A quarantined message belongs to no guichet yet: every
 * gestionnaire sees it (sender, Message-ID, size), and may release it only once its sender is an
 * address of one of their guichets.
 */
import type { DemandeRecord, Gestionnaire, Guichet, LotRecord } from '../registry/model.js';
import type { RegistryReads } from '../registry/registry.js';
import { territoryOf } from '../rules/reference/index.js';

export class Scope {
  private readonly codes: ReadonlySet<string>;
  private readonly territoires: ReadonlySet<string>;

  private constructor(
    readonly gestionnaire: Gestionnaire,
    /** The guichets they see, by code. */
    readonly guichets: readonly Guichet[],
  ) {
    this.codes = new Set(guichets.map((g) => g.code));
    this.territoires = new Set(gestionnaire.territoires.map((d) => territoryOf(d) ?? d));
  }

  static async of(registry: RegistryReads, gestionnaire: Gestionnaire): Promise<Scope> {
    const mine = new Set(gestionnaire.territoires);
    const guichets = (await registry.listGuichets()).filter((g) => g.departements.some((d) => mine.has(d)));
    return new Scope(gestionnaire, guichets);
  }

  seesGuichet(code: string | undefined): boolean {
    return code !== undefined && this.codes.has(code);
  }

  seesLot(lot: LotRecord): boolean {
    return lot.guichet === undefined ? lot.statut === 'QUARANTAINE' : this.seesGuichet(lot.guichet);
  }

  seesDemande(demande: Pick<DemandeRecord, 'guichet' | 'territoire'>): boolean {
    return this.seesGuichet(demande.guichet) || this.territoires.has(demande.territoire);
  }
}

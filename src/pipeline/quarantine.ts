/**
 * The quarantine: messages from senders that are no active guichet's address (lots with statut
 * QUARANTAINE, no reply sent). Listed by `sne-gateway quarantine list` and the web console.
 */
import type { Registry, RegistryReads } from '../registry/registry.js';

export interface QuarantineEntry {
  readonly lot: number;
  readonly recuAt: string;
  readonly expediteur?: string;
  readonly messageId?: string;
  /** The stored original's size in bytes (0 once deleted). */
  readonly taille: number;
  /** The active guichet the sender now belongs to, if it was enrolled since. */
  readonly guichetActuel?: string;
  readonly supprimeAt?: string;
  readonly supprimePar?: string;
}

/** The quarantined messages, oldest first; deleted ones too with `all` (the trace of who deleted them). */
export async function quarantineEntries(registry: RegistryReads & Pick<Registry, 'lotOriginalSize'>, all: boolean): Promise<QuarantineEntry[]> {
  const lots = (await registry.listLots()).filter((l) => l.statut === 'QUARANTAINE' && (all || l.supprimeAt === undefined));
  const result: QuarantineEntry[] = [];
  for (const l of lots) {
    result.push(await (async () => {
      const guichet = l.expediteur === undefined ? undefined : (await registry.guichetBySender(l.expediteur))?.code;
      return {
        lot: l.id,
        recuAt: l.recuAt,
        ...(l.expediteur ? { expediteur: l.expediteur } : {}),
        ...(l.messageId ? { messageId: l.messageId } : {}),
        taille: (await registry.lotOriginalSize(l.id)) ?? 0,
        ...(guichet ? { guichetActuel: guichet } : {}),
        ...(l.supprimeAt ? { supprimeAt: l.supprimeAt } : {}),
        ...(l.supprimePar ? { supprimePar: l.supprimePar } : {}),
      };
    })());
  }
  return result;
}


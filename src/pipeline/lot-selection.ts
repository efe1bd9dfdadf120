/**
 * Which stored lots a gestionnaire means: by number or identifiantLot, or by statut, guichet and
 * reception date. Shared by the CLI (`lots`, `replay`) and the web console.
 */
import { parisDate } from '../clock.js';
import type { LotRecord, LotStatut } from '../registry/model.js';
import type { RegistryReads } from '../registry/registry.js';

/** The statuts as the CLI's options name them. */
export const LOT_STATUTS: Readonly<Record<string, LotStatut>> = {
  accepted: 'ACCEPTE',
  partial: 'PARTIEL',
  rejected: 'REJETE',
  quarantined: 'QUARANTAINE',
};

/** A lot by its number, else by its identifiantLot (the first lot that used it, not a re-delivery). */
export async function findLot(registry: RegistryReads, name: string, guichet?: string): Promise<LotRecord | undefined> {
  if (/^\d+$/.test(name)) return await registry.getLot(Number(name));
  return (await registry.listLots())
    .filter((l) => l.identifiantLot === name && (guichet === undefined || l.guichet === guichet))
    .sort((a, b) => Number(a.doublonDe !== undefined) - Number(b.doublonDe !== undefined) || a.id - b.id)[0];
}

export interface LotFilter {
  readonly statut?: LotStatut;
  readonly guichet?: string;
  /** Received since this day (`AAAA-MM-JJ`, compared with the UTC reception instant, as `lots list --since`). */
  readonly since?: string;
  /** Received on this Europe/Paris day. */
  readonly day?: string;
  /** identifiantLot containing this text (case-insensitive). */
  readonly identifiant?: string;
}

export function filterLots(lots: readonly LotRecord[], f: LotFilter): LotRecord[] {
  const search = f.identifiant?.toLowerCase();
  return lots.filter(
    (l) =>
      (f.statut === undefined || l.statut === f.statut) &&
      (f.guichet === undefined || l.guichet === f.guichet) &&
      (f.since === undefined || l.recuAt >= f.since) &&
      (f.day === undefined || parisDate(new Date(l.recuAt)) === f.day) &&
      (search === undefined || (l.identifiantLot ?? '').toLowerCase().includes(search)),
  );
}

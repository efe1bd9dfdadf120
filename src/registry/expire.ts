/**
 * Expiry (spec 4.5, 5.3): an ACTIVE demande not renewed by one month after its anniversary is
 * radiated with RADREN, once its préavis was accepted at least one month before. Run daily by the daemon and by `sne-gateway expire [--date D]`.
 * A pure selection (the registry's candidates, filtered by the lifecycle's calendar) then one
 * transaction: every expiry of the day commits together, each with its audit event, or none.
 * Idempotent: a second run the same day finds nothing left to radiate.
 */
import { addMonths, parisDate } from '../clock.js';
import { expiryDay, isExpired } from './lifecycle.js';
import { ACTEUR_PASSERELLE, type DemandeEchue } from './model.js';
import type { Registry, RegistryReads } from './registry.js';

export const MOTIF_EXPIRATION = 'RADREN';

/** An expired demande whose préavis was accepted in time, and the day its radiation takes effect. */
export interface DemandeExpiree extends DemandeEchue {
  readonly dateRadiation: string;
}

/**
 * The demandes to radiate on `today` (`YYYY-MM-DD`, Europe/Paris): expired, and whose préavis
 * of that anniversary a server accepted at least one month before the radiation (spec 5.3);
 * the others wait (the préavis pass issues a missing one). The radiation takes effect the day
 * after the renewal window, or today when the préavis came too late for that.
 */
export async function selectExpirees(reads: Pick<RegistryReads, 'demandesEchues' | 'getPreavis'>, today: string): Promise<DemandeExpiree[]> {
  // Expired implies an anniversary on or before today − 1 month (month arithmetic is monotonic),
  // so the index narrows to those; the calendar, with its month-end clamping, decides.
  const expirees = (await reads.demandesEchues(addMonths(today, -1))).filter((d) => isExpired(d.dateEcheance, today));
  const radiables: DemandeExpiree[] = [];
  for (const d of expirees) {
    const accepte = (await reads.getPreavis(d.numeroUnique, d.dateEcheance))?.accepteAt;
    if (accepte === undefined) continue;
    const acceptDay = parisDate(new Date(accepte));
    if (acceptDay > addMonths(today, -1)) continue;
    const expiry = expiryDay(d.dateEcheance);
    radiables.push({ ...d, dateRadiation: acceptDay <= addMonths(expiry, -1) ? expiry : today });
  }
  return radiables;
}

export interface ExpireOptions {
  /** Who runs it, for the audit trail: the gateway (default) or a gestionnaire. */
  readonly acteur?: string;
  /** The instant recorded in the audit events; defaults to `today` when it is a Date, else now. */
  readonly at?: Date;
  /** Called after each radiation: `done` of `total` (the CLI shows it on a terminal). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Radiates with RADREN every demande expired on `today` (an instant, or a Paris day `YYYY-MM-DD`). */
export async function expireDemandes(registry: Registry, today: Date | string, options: ExpireOptions = {}): Promise<{ radiees: number }> {
  const day = typeof today === 'string' ? today : parisDate(today);
  const at = (options.at ?? (typeof today === 'string' ? new Date() : today)).toISOString();
  const acteur = options.acteur ?? ACTEUR_PASSERELLE;
  return await registry.transaction(async (tx) => {
    // Selected inside the transaction: a renewal committed meanwhile by another process is seen.
    const expirees = await selectExpirees(tx, day);
    for (const [index, { numeroUnique, dateEcheance, dateRadiation }] of expirees.entries()) {
      const demande = (await tx.getDemande(numeroUnique))!;
      await tx.updateDemande({ ...demande, statut: 'RADIEE', motifRadiation: MOTIF_EXPIRATION, dateRadiation });
      await tx.insertEvent({
        numeroUnique,
        action: 'RAD',
        acteur,
        at,
        details: { motif: MOTIF_EXPIRATION, dateEffet: dateRadiation, dateEcheance },
      });
      options.onProgress?.(index + 1, expirees.length);
    }
    return { radiees: expirees.length };
  });
}

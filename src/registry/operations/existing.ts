/** What REN, MOD and RAD share: the numéro must exist, be active, and be in the guichet's territory. */
import { demandeError, type DemandeError } from '../../errors.js';
import { isHabilitated } from '../../rules/territoire.js';
import type { DemandeRecord } from '../types.js';
import type { OperationContext } from './types.js';

export function findExisting(
  numeroUnique: string,
  chemin: string,
  ctx: OperationContext,
): { ok: true; demande: DemandeRecord } | { ok: false; error: DemandeError } {
  const demande = ctx.tx.getDemande(numeroUnique);
  if (!demande) {
    return { ok: false, error: demandeError('DEM_NUMERO_INCONNU', chemin, { valeur: numeroUnique }) };
  }
  if (!isHabilitated(ctx.guichet.departements, demande.territoire)) {
    return {
      ok: false,
      error: demandeError('DEM_TERRITOIRE_NUMERO', chemin, {
        valeur: numeroUnique,
        message: `Le guichet ${ctx.guichet.code} n'est pas habilité pour le territoire ${demande.territoire} de cette demande : adressez-vous à votre gestionnaire territorial.`,
      }),
    };
  }
  if (demande.statut === 'RADIEE') {
    return { ok: false, error: demandeError('DEM_RADIEE', chemin, { valeur: numeroUnique }) };
  }
  return { ok: true, demande };
}

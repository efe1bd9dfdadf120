/**
 * What REN, MOD, RAD and COP share: the numéro must exist and be in the guichet's territory;
 * REN, MOD and RAD also need it active (a radiated demande can be copied, spec 8); REN and MOD, which replace the data, must also keep the demande in its territory and
 * not make it a doublon of another active demande.
 */
import { demandeError, type DemandeError } from '../../errors.js';
import { demandePath, type DemandeAvecLogement } from '../../lot/types.js';
import { isHabilitated } from '../../rules/territoire.js';
import { doublonError } from '../doublon.js';
import type { DemandeRecord } from '../model.js';
import type { OperationContext } from './types.js';

export async function findExisting(
  numeroUnique: string,
  chemin: string,
  ctx: OperationContext,
  options: { readonly radieeAdmise?: boolean } = {},
): Promise<{ ok: true; demande: DemandeRecord } | { ok: false; error: DemandeError }> {
  const demande = await ctx.tx.getDemande(numeroUnique);
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
  if (demande.statut === 'RADIEE' && options.radieeAdmise !== true) {
    return {
      ok: false,
      error: demandeError('DEM_RADIEE', chemin, {
        valeur: numeroUnique,
        message: `Cette demande est radiée depuis le ${demande.dateRadiation ?? '(date inconnue)'} (motif ${demande.motifRadiation ?? 'inconnu'}) : déposez une nouvelle demande (CRE).`,
      }),
    };
  }
  return { ok: true, demande };
}

/**
 * The new data of a REN or MOD against the registry: its communes souhaitées must stay in the
 * demande's territory (its numéro names that territory), and it must not be a doublon of
 * another active demande there.
 */
export async function checkNewData(
  demande: DemandeAvecLogement,
  existing: DemandeRecord,
  ctx: OperationContext,
): Promise<DemandeError | undefined> {
  if (ctx.territoire !== undefined && ctx.territoire !== existing.territoire) {
    return demandeError(
      'DEM_LOCALISATION_TERRITOIRE',
      `${demandePath(demande.position)}/demandeLogement/logementRecherche/listeLocalisationSouhaite`,
      {
        valeur: ctx.territoire,
        message: `Les communes souhaitées sont dans le territoire ${ctx.territoire}, pas dans celui de la demande (${existing.territoire}) : une demande ne change pas de territoire, déposez une nouvelle demande (CRE) sur ce territoire.`,
      },
    );
  }
  return await doublonError(ctx.tx, {
    position: demande.position,
    donnees: demande.demandeLogement,
    territoire: existing.territoire,
    guichet: ctx.guichet.code,
    sauf: existing.numeroUnique,
  });
}

/** MOD (spec 4.5): replaces the demande's data; keeps its dates; issues no attestation. */
import { demandePath, hasDemandeLogement } from '../../lot/types.js';
import { champsModifies } from '../changes.js';
import { checkNewData, findExisting } from './existing.js';
import { acteurOf, type Operation } from './types.js';

export const modification: Operation = async (demande, ctx) => {
  if (!hasDemandeLogement(demande)) throw new TypeError('modification takes a demandeLogement');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const numero = demande.demandeLogement.numUnique ?? '';
  const found = await findExisting(numero, `${demandePath(demande.position)}/demandeLogement/numUnique`, ctx);
  if (!found.ok) return { resultat: { ...base, statut: 'REJETEE', erreurs: [found.error] } };
  const refused = await checkNewData(demande, found.demande, ctx);
  if (refused) return { resultat: { ...base, statut: 'REJETEE', erreurs: [refused] } };

  await ctx.tx.updateDemande({ ...found.demande, donnees: demande.demandeLogement });
  await ctx.tx.insertEvent({
    numeroUnique: numero,
    action: 'MOD',
    acteur: acteurOf(ctx.guichet),
    lotId: ctx.lotId,
    at: ctx.at,
    details: { reference: demande.reference, champs: champsModifies(found.demande.donnees, demande.demandeLogement).join(', ') },
  });
  return {
    resultat: {
      ...base,
      statut: 'MODIFIEE',
      numeroUnique: numero,
      dateDepot: found.demande.dateDepot,
      dateEcheance: found.demande.dateEcheance,
      erreurs: [],
    },
  };
};

/** RAD (spec 4.5): radiates with the guichet's motif (and sous-motif), effective on `dateEffet`. */
import { demandePath } from '../../lot/types.js';
import { findExisting } from './existing.js';
import { acteurOf, type Operation } from './types.js';

export const radiation: Operation = (demande, ctx) => {
  if (demande.typeFichier !== 'RAD') throw new TypeError('radiation takes a radiation');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const { numUnique, motif, sousMotif, dateEffet } = demande.radiation;
  const found = findExisting(numUnique, `${demandePath(demande.position)}/radiation/numUnique`, ctx);
  if (!found.ok) return { resultat: { ...base, statut: 'REJETEE', erreurs: [found.error] } };

  const motifRadiation = sousMotif ? `${motif}/${sousMotif}` : motif;
  ctx.tx.updateDemande({ ...found.demande, statut: 'RADIEE', motifRadiation });
  ctx.tx.insertEvent({
    numeroUnique: numUnique,
    action: 'RAD',
    acteur: acteurOf(ctx.guichet),
    lotId: ctx.lotId,
    at: ctx.at,
    details: { motif: motifRadiation, dateEffet: dateEffet ?? ctx.today },
  });
  return {
    resultat: { ...base, statut: 'RADIEE', numeroUnique: numUnique, dateDepot: found.demande.dateDepot, erreurs: [] },
  };
};

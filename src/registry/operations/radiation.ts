/**
 * RAD (spec 4.5): radiates with the guichet's motif (and, for RADIRR, its sous-motif). The
 * demande is radiated when the lot is processed; `dateEffet` (default: that day) is recorded as
 * the radiation's effective day. RADREN is the gateway's own motif (src/registry/expire.ts).
 */
import { demandePath } from '../../lot/types.js';
import { findExisting } from './existing.js';
import { acteurOf, type Operation } from './types.js';

export const radiation: Operation = async (demande, ctx) => {
  if (demande.typeFichier !== 'RAD') throw new TypeError('radiation takes a radiation');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const { numUnique, motif, sousMotif, dateEffet } = demande.radiation;
  const found = await findExisting(numUnique, `${demandePath(demande.position)}/radiation/numUnique`, ctx);
  if (!found.ok) return { resultat: { ...base, statut: 'REJETEE', erreurs: [found.error] } };

  const dateRadiation = dateEffet ?? ctx.today;
  await ctx.tx.updateDemande({
    ...found.demande,
    statut: 'RADIEE',
    motifRadiation: motif,
    ...(sousMotif === undefined ? {} : { sousMotifRadiation: sousMotif }),
    dateRadiation,
  });
  await ctx.tx.insertEvent({
    numeroUnique: numUnique,
    action: 'RAD',
    acteur: acteurOf(ctx.guichet),
    lotId: ctx.lotId,
    at: ctx.at,
    details: { reference: demande.reference, motif, ...(sousMotif === undefined ? {} : { sousMotif }), dateEffet: dateRadiation },
  });
  return {
    resultat: { ...base, statut: 'RADIEE', numeroUnique: numUnique, dateDepot: found.demande.dateDepot, erreurs: [] },
  };
};

/**
 * REN (spec 4.5): accepted from one month before to one month after the anniversary; keeps the
 * numéro and the date of first registration, replaces the data, and moves the anniversary.
 */
import { demandeError } from '../../errors.js';
import { demandePath, hasDemandeLogement } from '../../lot/types.js';
import { demandeDay } from '../../rules/date-reception.js';
import { champsModifies } from '../changes.js';
import { renewalWindow, validUntil } from '../lifecycle.js';
import { checkNewData, findExisting } from './existing.js';
import { acteurOf, type Operation } from './types.js';

export const renouvellement: Operation = async (demande, ctx) => {
  if (!hasDemandeLogement(demande)) throw new TypeError('renouvellement takes a demandeLogement');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const chemin = `${demandePath(demande.position)}/demandeLogement/numUnique`;
  const numero = demande.demandeLogement.numUnique ?? '';
  const found = await findExisting(numero, chemin, ctx);
  if (!found.ok) return { resultat: { ...base, statut: 'REJETEE', erreurs: [found.error] } };

  // Renewed on its deposit day (spec 3.2): the guichet's dateReception, else the lot's reception day.
  const day = demandeDay(demande, ctx.receptionDay);
  const window = renewalWindow(found.demande.dateEcheance);
  if (day < window.from || day > window.to) {
    const error = demandeError('DEM_HORS_PERIODE', chemin, {
      valeur: numero,
      message: `Renouvellement possible du ${window.from} au ${window.to} seulement (date anniversaire ${found.demande.dateEcheance}).`,
    });
    return { resultat: { ...base, statut: 'REJETEE', erreurs: [error] } };
  }
  const refused = await checkNewData(demande, found.demande, ctx);
  if (refused) return { resultat: { ...base, statut: 'REJETEE', erreurs: [refused] } };

  const dateEcheance = validUntil(day);
  await ctx.tx.updateDemande({
    ...found.demande,
    dateRenouvellement: day,
    dateEcheance,
    donnees: demande.demandeLogement,
  });
  await ctx.tx.insertEvent({
    numeroUnique: numero,
    action: 'REN',
    acteur: acteurOf(ctx.guichet),
    lotId: ctx.lotId,
    at: ctx.at,
    details: {
      reference: demande.reference,
      ancienneEcheance: found.demande.dateEcheance,
      dateEcheance,
      champs: champsModifies(found.demande.donnees, demande.demandeLogement).join(', '),
    },
  });
  return {
    resultat: { ...base, statut: 'RENOUVELEE', numeroUnique: numero, dateDepot: found.demande.dateDepot, dateEcheance, erreurs: [] },
    attestation: 'REN',
  };
};

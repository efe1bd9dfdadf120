/**
 * CRE: a new demande gets its numéro unique (spec 4.4) and an attestation d'enregistrement,
 * unless an active demande of the same demandeur exists in its territory (DEM_DOUBLON). The
 * doublon is checked before numbering, so a refused demande consumes no number.
 */
import { demandeError } from '../../errors.js';
import { demandePath, hasDemandeLogement } from '../../lot/types.js';
import { demandeDay } from '../../rules/date-reception.js';
import { doublonError } from '../doublon.js';
import { validUntil } from '../lifecycle.js';
import { formatNumeroUnique, monthKey } from '../numero-unique.js';
import { acteurOf, type Operation } from './types.js';

export const creation: Operation = async (demande, ctx) => {
  if (!hasDemandeLogement(demande)) throw new TypeError('creation takes a demandeLogement');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const source = { guichet: ctx.guichet.code, identifiantLot: ctx.identifiantLot, reference: demande.reference };

  // A replayed lot: this demande already has its numéro; it is never registered twice.
  const already = await ctx.tx.numeroForSource(source.guichet, source.identifiantLot, source.reference);
  const existing = already === undefined ? undefined : await ctx.tx.getDemande(already);
  if (existing) {
    return {
      resultat: { ...base, statut: 'ENREGISTREE', numeroUnique: existing.numeroUnique, dateDepot: existing.dateDepot, dateEcheance: existing.dateEcheance, erreurs: [] },
    };
  }

  // The rules guarantee a territory; a demande without one is refused rather than crash its lot.
  if (ctx.territoire === undefined) {
    const chemin = `${demandePath(demande.position)}/demandeLogement/logementRecherche/listeLocalisationSouhaite`;
    return { resultat: { ...base, statut: 'REJETEE', erreurs: [demandeError('DEM_COMMUNE_INCONNUE', chemin)] } };
  }
  const doublon = await doublonError(ctx.tx, {
    position: demande.position,
    donnees: demande.demandeLogement,
    territoire: ctx.territoire,
    guichet: ctx.guichet.code,
  });
  if (doublon) return { resultat: { ...base, statut: 'REJETEE', erreurs: [doublon] } };

  // Dated from its deposit (spec 3.2): the guichet's dateReception, else the lot's reception day.
  const dateDepot = demandeDay(demande, ctx.receptionDay);
  const mmyy = monthKey(dateDepot);
  const numeroUnique = formatNumeroUnique({
    territoire: ctx.territoire,
    mmyy,
    sequence: await ctx.tx.nextSequence(ctx.territoire, mmyy),
    guichet: ctx.guichet.code,
  });
  const dateEcheance = validUntil(dateDepot);
  await ctx.tx.insertDemande(
    {
      numeroUnique,
      territoire: ctx.territoire,
      guichet: ctx.guichet.code,
      statut: 'ACTIVE',
      dateDepot,
      dateEcheance,
      donnees: demande.demandeLogement,
    },
    source,
  );
  await ctx.tx.insertEvent({
    numeroUnique,
    action: 'CRE',
    acteur: acteurOf(ctx.guichet),
    lotId: ctx.lotId,
    at: ctx.at,
    details: { reference: demande.reference, territoire: ctx.territoire, dateDepot, dateEcheance },
  });
  return {
    resultat: { ...base, statut: 'ENREGISTREE', numeroUnique, dateDepot, dateEcheance, erreurs: [] },
    attestation: 'CRE',
  };
};

/**
 * COP (spec 8): a guichet asks for the current data of a demande, its own or another guichet's,
 * of a territory it is habilitated for — radiated ones included (the copy's statut says so). It
 * changes nothing and records no event; the copy itself is queued with the lot's replies
 * (replies/queue.ts `queueCopie`), in the lot's transaction.
 */
import { demandePath } from '../../lot/types.js';
import { findExisting } from './existing.js';
import type { Operation } from './types.js';

export const copie: Operation = async (demande, ctx) => {
  if (demande.typeFichier !== 'COP') throw new TypeError('copie takes a copie');
  const base = { position: demande.position, reference: demande.reference, typeFichier: demande.typeFichier };
  const { numUnique } = demande.copie;
  const found = await findExisting(numUnique, `${demandePath(demande.position)}/copie/numUnique`, ctx, { radieeAdmise: true });
  if (!found.ok) return { resultat: { ...base, statut: 'REJETEE', erreurs: [found.error] } };
  const { dateDepot, dateEcheance } = found.demande;
  return {
    resultat: { ...base, statut: 'COPIEE', numeroUnique: numUnique, dateDepot, dateEcheance, erreurs: [] },
    copie: found.demande,
  };
};

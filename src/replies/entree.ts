/**
 * One entry of a dispatching digest or a copie numérique (spec 8), from an audit event and its
 * demande as it now stands: who made the event, the demande's statut and dates, and its data
 * (CRE, REN, MOD) or the radiation's motif (RAD).
 */
import type { DemandeRecord, DispatchedAction } from '../registry/model.js';
import type { EntreeDispatching } from './types.js';

export interface EventOf {
  readonly numeroUnique: string;
  readonly action: DispatchedAction;
  readonly acteur: string;
  readonly at: string;
  readonly details?: Readonly<Record<string, string | number>>;
}

export function entreeOf(event: EventOf, demande: DemandeRecord): EntreeDispatching {
  const [kind, who] = event.acteur.split(':', 2);
  const origine = kind === 'guichet' ? 'GUICHET' : kind === 'gestionnaire' ? 'GESTIONNAIRE' : 'PASSERELLE';
  const motif = event.details?.motif ?? demande.motifRadiation;
  const sousMotif = event.details?.sousMotif ?? demande.sousMotifRadiation;
  const dateEffet = event.details?.dateEffet ?? demande.dateRadiation;
  return {
    numUnique: demande.numeroUnique,
    evenement: event.action,
    date: event.at,
    origine,
    ...(origine === 'GUICHET' && who !== undefined ? { guichet: who } : {}),
    statut: demande.statut,
    dateDepot: demande.dateDepot,
    ...(demande.dateRenouvellement === undefined ? {} : { dateRenouvellement: demande.dateRenouvellement }),
    dateEcheance: demande.dateEcheance,
    ...(demande.dateRadiation === undefined ? {} : { dateRadiation: demande.dateRadiation }),
    ...(event.action === 'RAD'
      ? {
          radiation: {
            motif: String(motif ?? ''),
            ...(sousMotif === undefined ? {} : { sousMotif: String(sousMotif) }),
            ...(dateEffet === undefined ? {} : { dateEffet: String(dateEffet) }),
          },
        }
      : { demandeLogement: demande.donnees }),
  };
}

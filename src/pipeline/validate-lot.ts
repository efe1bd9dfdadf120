/**
 * A lot's verdict without registry history (`sne-gateway validate`): the lot-level checks of the
 * XML, the schema, and every rule that needs none; habilitation when a guichet is given. Pure but
 * for the reference it is given.
 */
import { lotError, type DemandeError, type LotError } from '../errors.js';
import { parseLot } from '../lot/parse.js';
import type { Guichet } from '../registry/model.js';
import { judgeDemandes } from '../rules/index.js';
import type { ReferenceIndex } from '../rules/reference/index.js';

export interface Validation {
  readonly lot: { readonly statut: 'ACCEPTE' | 'PARTIEL' | 'REJETE' };
  readonly erreurs: readonly { readonly code: string; readonly message: string }[];
  readonly resultats: readonly {
    readonly reference: string | null;
    readonly statut: 'VALIDE' | 'REJETEE';
    readonly erreurs: readonly {
      readonly code: string;
      readonly chemin: string;
      readonly valeur: string | null;
      readonly suggestion: string | null;
      readonly message: string;
    }[];
  }[];
}

const erreurDemande = (e: DemandeError) => ({ code: e.code, chemin: e.chemin, valeur: e.valeur ?? null, suggestion: e.suggestion ?? null, message: e.message });
const refused = (error: LotError): Validation => ({ lot: { statut: 'REJETE' }, erreurs: [{ code: error.code, message: error.message }], resultats: [] });

export function validateLot(xml: Uint8Array, options: { guichet?: Pick<Guichet, 'code' | 'departements'>; today: string; reference: ReferenceIndex }): Validation {
  const parsed = parseLot(xml);
  if (!parsed.ok) return refused(parsed.error);
  const { entete, demandes } = parsed.lot;
  if (options.guichet !== undefined && entete.guichet !== options.guichet.code) {
    return refused(
      lotError('LOT_GUICHET', `Le guichet de l'en-tête (${entete.guichet}) n'est pas le guichet expéditeur (${options.guichet.code}) : un lot ne peut être déposé que par son guichet.`),
    );
  }
  const lues = demandes.flatMap((l) => (l.ok ? [l.demande] : []));
  // Offline, the lot is judged as if the gateway received it on `today`.
  const judgements = judgeDemandes(lues, { guichet: options.guichet, receptionDay: options.today, reference: options.reference });
  const resultats = demandes.map((l) => {
    const errors = l.ok ? (judgements.get(l.demande.position)?.errors ?? []) : l.errors;
    const reference = l.ok ? l.demande.reference : (l.reference ?? null);
    return { reference, statut: errors.length === 0 ? ('VALIDE' as const) : ('REJETEE' as const), erreurs: errors.map(erreurDemande) };
  });
  const rejetees = resultats.filter((r) => r.statut === 'REJETEE').length;
  const statut = rejetees === 0 ? 'ACCEPTE' : rejetees === resultats.length ? 'REJETE' : 'PARTIEL';
  return { lot: { statut }, erreurs: [], resultats };
}

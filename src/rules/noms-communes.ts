/**
 * The INSEE names an attestation prints where the guichet gave only a code or a postal code.
 * Resolved when the demande is judged, with the reference that judged it, so that the replies
 * are rendered without loading the reference again (docs/PERFORMANCE.md, "Memory").
 */
import type { CommuneRef, DemandeLogement } from '../lot/types.js';
import type { ReferenceIndex } from './reference/index.js';

export interface NomsCommunes {
  /** The postal address's commune, when the guichet gave no name and the reference has one. */
  readonly adresse?: string;
  /** Each commune souhaitée's INSEE name, in order; '' when its code names none. */
  readonly souhaitees: readonly string[];
}

export function nomsCommunes(demande: DemandeLogement, reference: ReferenceIndex): NomsCommunes {
  const nameOf = (commune: CommuneRef, codePostal?: string): string | undefined => {
    if (commune.code !== undefined) return reference.communeByCode(commune.code)?.nom;
    const [only, ...others] = codePostal === undefined ? [] : reference.communesByPostalCode(codePostal);
    return others.length === 0 ? only?.nom : undefined;
  };
  const adresse = demande.demandeur.adressePostale;
  const nom = adresse && !adresse.etranger && !adresse.commune.nom ? nameOf(adresse.commune, adresse.codePostal) : undefined;
  return {
    ...(nom === undefined ? {} : { adresse: nom }),
    souhaitees: demande.logementRecherche.communesSouhaitees.map((c) => nameOf(c) ?? ''),
  };
}

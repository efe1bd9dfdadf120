/**
 * The postal addresses of a demande the address rules look at (spec 4.2 DEM_CEDEX, 4.3): the
 * demandeur's and the cotitulaire's `adressePostale`, and their employers' addresses in
 * `situationProfessionnelle`, each with the XPath of its element.
 */
import type { CommuneRef, Demande, Personne } from '../lot/types.js';
import { demandePath, hasDemandeLogement } from '../lot/types.js';

export interface AdresseVue {
  /** XPath of the element holding the address fields (`…/demandeur/adressePostale`). */
  readonly chemin: string;
  /** Whose address it is, in French for the messages: `adresse du demandeur`… */
  readonly nature: string;
  readonly etranger: boolean;
  readonly numero?: string | undefined;
  readonly voie?: string | undefined;
  readonly complement?: string | undefined;
  readonly codePostal?: string | undefined;
  readonly commune?: CommuneRef | undefined;
}

/** The persons of a demande with the XPath of their element: the demandeur, then the cotitulaire. */
export function personnesOf(demande: Demande): { chemin: string; personne: Personne; demandeur: boolean }[] {
  if (!hasDemandeLogement(demande)) return [];
  const base = `${demandePath(demande.position)}/demandeLogement/personnePhysique`;
  const { demandeur, cotitulaires } = demande.demandeLogement;
  // The schema allows one cotitulaire, so its element is not indexed.
  return [
    { chemin: `${base}/demandeur`, personne: demandeur, demandeur: true },
    ...cotitulaires.map((personne) => ({ chemin: `${base}/listeCotitulaire/cotitulaire`, personne, demandeur: false })),
  ];
}

export function adressesOf(demande: Demande): AdresseVue[] {
  const adresses: AdresseVue[] = [];
  for (const { chemin, personne, demandeur } of personnesOf(demande)) {
    const a = personne.adressePostale;
    if (a !== undefined) {
      adresses.push({ ...a, chemin: `${chemin}/adressePostale`, nature: demandeur ? 'adresse du demandeur' : 'adresse du cotitulaire' });
    }
    const s = personne.situationProfessionnelle;
    // An employer's address is optional: it is checked only when it names a place.
    if (s !== undefined && (s.codePostal !== undefined || s.commune !== undefined)) {
      adresses.push({
        chemin: `${chemin}/situationProfessionnelle`,
        nature: demandeur ? "adresse de l'employeur du demandeur" : "adresse de l'employeur du cotitulaire",
        etranger: s.etranger ?? false,
        voie: s.voie,
        codePostal: s.codePostal,
        commune: s.commune,
      });
    }
  }
  return adresses;
}

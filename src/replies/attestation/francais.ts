/**
 * French wording helpers for the attestation: dates, typography and code labels. Pure; no PDF here.
 */
import { parseIsoDate } from '../../clock.js';
import type { AdressePostale, CommuneRef, DemandeLogement, Personne } from '../../lot/types.js';

/** No-break space (before `:`), narrow no-break space (before `; ! ?`, inside « »). */
export const NBSP = '\u00A0';
export const NNBSP = '\u202F';

const MOIS = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
] as const;


/** `26 novembre 2026`, `1er mars 2027`; no-break spaces so that a date never splits. */
export function dateLongue(iso: string): string {
  const { y, m, d } = parseIsoDate(iso);
  return `${d === 1 ? '1er' : d}${NBSP}${MOIS[m - 1]}${NBSP}${y}`;
}

/**
 * French typography on a whole text: NFC (names may arrive decomposed), narrow no-break spaces
 * before `; ! ?` and inside guillemets, a no-break space before `:` — so that no line starts
 * with a lone punctuation mark.
 */
export function typo(text: string): string {
  return text
    .normalize('NFC')
    .replace(/ ?([;!?])/g, (_, p: string) => `${NNBSP}${p}`)
    .replace(/ :(?=\s|$)/g, `${NBSP}:`)
    .replace(/« ?/g, `«${NNBSP}`)
    .replace(/ ?»/g, `${NNBSP}»`);
}

/** `« texte »` with the right spaces. */
export const guillemets = (text: string): string => `«${NNBSP}${text}${NNBSP}»`;

const CIVILITES: Record<string, string> = { '1': 'Monsieur', '2': 'Madame', '3': 'Mademoiselle' };

export function nomComplet(personne: Personne): string {
  const civilite = CIVILITES[personne.civilite];
  return [civilite, personne.prenom, personne.nom].filter((part) => part !== undefined && part !== '').join(' ');
}

const communeLabel = (commune: CommuneRef): string => commune.nom ?? commune.code ?? '';

/** The postal address, one entry per line. */
export function lignesAdresse(adresse: AdressePostale | undefined): string[] {
  if (adresse === undefined) return [];
  const voie = [adresse.numero, adresse.voie].filter((p) => p !== undefined && p !== '').join(' ');
  const lignes = [voie];
  if (adresse.complement !== undefined && adresse.complement !== '') lignes.push(adresse.complement);
  // An INSEE code means nothing on an envelope: without the name, the postal code stands alone
  // (the pipeline fills `commune.nom` from the INSEE reference when it has it).
  lignes.push([adresse.codePostal, adresse.commune.nom ?? ''].filter((p) => p !== '').join(' '));
  return lignes.filter((ligne) => ligne.trim() !== '');
}

const TYPES_LOGEMENT: Record<string, string> = {
  C: 'chambre',
  T1: 'T1',
  T2: 'T2',
  T3: 'T3',
  T4: 'T4',
  T5: 'T5',
  T6P: 'T6 et plus',
};

const CATEGORIES: Record<string, string> = { A: 'appartement', M: 'maison', I: 'appartement ou maison' };

export function typesLogement(demande: DemandeLogement): string {
  const types = demande.logementRecherche.typesLogement.map((code) => TYPES_LOGEMENT[code] ?? code).join(', ');
  const code = demande.logementRecherche.categorieLogement;
  const categorie = code === undefined ? undefined : CATEGORIES[code];
  return categorie === undefined ? types : `${categorie} (${types})`;
}

/** Demandeur, cotitulaires and personnes à charge. */
export function tailleFoyer(demande: DemandeLogement): string {
  const n = 1 + demande.cotitulaires.length + demande.personnesACharge.length;
  return n === 1 ? '1 personne' : `${n} personnes`;
}

/** The communes souhaitées in order: the caller's labels when given, else name and/or code. */
export function communesSouhaitees(demande: DemandeLogement, labels?: readonly string[]): string[] {
  return demande.logementRecherche.communesSouhaitees.map((commune, i) => {
    const label = labels?.[i];
    if (label !== undefined && label !== '') return label;
    if (commune.nom !== undefined && commune.code !== undefined) return `${commune.nom} (${commune.code})`;
    return communeLabel(commune);
  });
}

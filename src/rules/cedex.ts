/**
 * DEM_CEDEX (spec 4.2): an address of the demandeur, the cotitulaire or an employer that uses a
 * Cedex — the word CEDEX (any case, with or without its number), a CS, TSA or BP box, or a postal
 * code that is no commune's distribution code. The fix given is the commune's reference postal
 * code(s) when the commune can be told (`93736 BOBIGNY CEDEX 9` → `93000 Bobigny`).
 */
import { demandeError, type DemandeError } from '../errors.js';
import { adressesOf, type AdresseVue } from './adresses.js';
import { normalizeCommuneName, type Commune, type ReferenceIndex } from './reference/index.js';
import type { DemandeRule } from './types.js';

const CEDEX_WORD = /(?<![a-z])cedex(?![a-z])\s*\d*/i;
/** `CS 70001`, `TSA 12345`, `BP 12`, `B.P. 12`: a box number follows the letters. */
const BOX = /(?<![a-z])(?:c\.?\s?s|t\.?\s?s\.?\s?a|b\.?\s?p)\.?\s*\d{1,5}(?!\d)/i;
export const FRENCH_POSTAL_CODE = /^\d{5}$/;

type Field = 'codePostal' | 'voie' | 'complement' | 'numero' | 'commune';

/** Why an address is a Cedex one, and where; undefined for a distribution address. */
export function cedexOf(adresse: AdresseVue, reference: ReferenceIndex): { field: Field; valeur: string; motif: string } | undefined {
  if (adresse.etranger) return undefined;
  const cp = adresse.codePostal;
  if (cp !== undefined && CEDEX_WORD.test(cp)) return { field: 'codePostal', valeur: cp, motif: 'le mot CEDEX' };
  if (cp !== undefined && FRENCH_POSTAL_CODE.test(cp) && !reference.isDistributionPostalCode(cp)) {
    return { field: 'codePostal', valeur: cp, motif: `le code postal ${cp}, qui n'est le code de distribution d'aucune commune` };
  }
  const texts: [Field, string | undefined][] = [
    ['commune', adresse.commune?.nom],
    ['voie', adresse.voie],
    ['complement', adresse.complement],
    ['numero', adresse.numero],
  ];
  for (const [field, value] of texts) {
    if (value === undefined) continue;
    const word = CEDEX_WORD.exec(value);
    if (word) return { field, valeur: value, motif: `la mention « ${word[0].trim()} »` };
    const box = BOX.exec(value);
    if (box) return { field, valeur: value, motif: `la boîte postale « ${box[0].trim()} » (CS, TSA ou BP)` };
  }
  return undefined;
}

/** The département a French postal code points to (20 is Corsica: either). */
function departementOfPostalCode(cp: string): string | undefined {
  if (!FRENCH_POSTAL_CODE.test(cp) || cp.startsWith('20')) return undefined;
  return cp.startsWith('97') ? cp.slice(0, 3) : cp.slice(0, 2);
}

/** The commune an address names, by code, else by its name once the Cedex mention is taken off. */
function communeOf(adresse: AdresseVue, reference: ReferenceIndex): Commune | undefined {
  const code = adresse.commune?.code;
  if (code !== undefined) return reference.communeByCode(code);
  const nom = adresse.commune?.nom?.replace(new RegExp(CEDEX_WORD.source, 'gi'), ' ').trim();
  if (nom === undefined || nom === '') return undefined;
  const departement = adresse.codePostal === undefined ? undefined : departementOfPostalCode(adresse.codePostal);
  const wanted = normalizeCommuneName(nom);
  const same = reference
    .suggestCommuneNames(nom, departement === undefined ? {} : { departement }, 5)
    .filter((s) => normalizeCommuneName(s.nom) === wanted && (departement === undefined || s.departement === departement));
  return same.length === 1 ? reference.communeByCode(same[0]!.code) : undefined;
}

export const cedex: DemandeRule = (demande, { reference }) => {
  const errors: DemandeError[] = [];
  for (const adresse of adressesOf(demande)) {
    const found = cedexOf(adresse, reference);
    if (found === undefined) continue;
    const commune = communeOf(adresse, reference);
    const codes = commune?.codesPostaux ?? [];
    const fix =
      commune === undefined || codes.length === 0
        ? ' : donnez le code postal de distribution de la commune, sans mention CEDEX ni boîte CS, TSA ou BP.'
        : ` : utilisez le code postal de référence de la commune (${codes.join(' ou ')} ${commune.nom}), sans mention CEDEX ni boîte CS, TSA ou BP.`;
    errors.push(
      demandeError('DEM_CEDEX', `${adresse.chemin}/${found.field}`, {
        valeur: found.valeur,
        message: `${found.field === 'codePostal' ? 'Code postal Cedex non admis' : 'Adresse Cedex non admise'} (${adresse.nature}, ${found.motif})${fix}`,
        suggestion: codes.length > 0 ? codes.join(', ') : undefined,
      }),
    );
  }
  return errors;
};

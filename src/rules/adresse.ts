/**
 * The commune of each French address (spec 4.3), given one of three ways: an INSEE `code` (with
 * or without a name, which must then be that code's), a name with the sibling `codePostal` (the
 * INSEE name of a commune that postal code serves, compared without case or accents, `-` `'` and
 * space alike, no abbreviation), or the `codePostal` alone when it serves exactly one commune.
 * DEM_COMMUNE_INCONNUE suggests the nearest INSEE names; DEM_COMMUNE_CODE_POSTAL the postal codes
 * or the candidate communes. `etranger=true` skips every French check; a Cedex address is
 * DEM_CEDEX's alone.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { adressesOf, type AdresseVue } from './adresses.js';
import { cedexOf, FRENCH_POSTAL_CODE } from './cedex.js';
import { normalizeCommuneName, type Commune, type CommuneSuggestion, type ReferenceIndex } from './reference/index.js';
import type { DemandeRule } from './types.js';

/** `Saint-Denis (93066, dép. 93)`: the département tells homonyms apart. */
export const describeSuggestion = (c: Pick<CommuneSuggestion, 'code' | 'nom' | 'departement'>): string =>
  `${c.nom} (${c.code}, dép. ${c.departement})`;

const listCommunes = (communes: readonly Commune[]): string => communes.map(describeSuggestion).join(', ');

/** The INSEE name of a commune: its own, or for an arrondissement, its city's too (`Paris`). */
function nameFits(nom: string, commune: Commune, reference: ReferenceIndex): boolean {
  if (reference.nameMatchesCode(nom, commune.code)) return true;
  return commune.commune !== undefined && reference.nameMatchesCode(nom, commune.commune);
}

function servedBy(commune: Commune, cp: string, reference: ReferenceIndex): boolean {
  return commune.codesPostaux.includes(cp) || reference.communesByPostalCode(cp).some((c) => c.commune === commune.code);
}

/** DEM_COMMUNE_INCONNUE for a name, with the nearest INSEE names. */
export function unknownName(nom: string, chemin: string, reference: ReferenceIndex, codePostal?: string): DemandeError {
  const near = reference.suggestCommuneNames(nom, codePostal === undefined ? {} : { codePostal });
  return demandeError('DEM_COMMUNE_INCONNUE', chemin, {
    valeur: nom,
    message:
      `La commune « ${nom} » n'est pas un nom du référentiel INSEE (nom complet, sans abréviation)` +
      (near.length > 0 ? ` ; communes les plus proches : ${near.map(describeSuggestion).join(', ')}.` : '.'),
    suggestion: near.length > 0 ? near.map((c) => `${c.nom} (${c.departement})`).join(', ') : undefined,
  });
}

function checkByCode(a: AdresseVue, code: string, reference: ReferenceIndex): DemandeError[] {
  const commune = reference.communeByCode(code);
  if (commune === undefined) {
    const retired = reference.retiredCode(code);
    return [
      demandeError('DEM_COMMUNE_INCONNUE', `${a.chemin}/commune/@code`, {
        valeur: code,
        ...(retired
          ? {
              message: `Le code ${code}${retired.nom ? ` (${retired.nom})` : ''} n'est plus celui d'une commune actuelle : il relève aujourd'hui de ${retired.currentNom} (${retired.currentCode}).`,
              suggestion: retired.currentCode,
            }
          : { message: `Le code ${code} n'est celui d'aucune commune actuelle du référentiel INSEE.` }),
      }),
    ];
  }
  const errors: DemandeError[] = [];
  const nom = a.commune?.nom;
  if (nom !== undefined && !nameFits(nom, commune, reference)) {
    errors.push(
      demandeError('DEM_COMMUNE_INCONNUE', `${a.chemin}/commune`, {
        valeur: nom,
        message: `Le nom « ${nom} » n'est pas celui de la commune ${code} (${commune.nom}) : donnez le nom INSEE de la commune, ou le seul code.`,
        suggestion: commune.nom,
      }),
    );
  }
  const cp = a.codePostal;
  if (cp !== undefined && !servedBy(commune, cp, reference)) {
    errors.push(
      demandeError('DEM_COMMUNE_CODE_POSTAL', `${a.chemin}/codePostal`, {
        valeur: cp,
        message: `Le code postal ${cp} ne dessert pas la commune ${commune.nom} (${code}) ; ses codes postaux : ${commune.codesPostaux.join(', ')}.`,
        suggestion: commune.codesPostaux.join(', '),
      }),
    );
  }
  return errors;
}

function checkByName(a: AdresseVue, nom: string, reference: ReferenceIndex): DemandeError[] {
  const cp = a.codePostal;
  if (cp === undefined) {
    // An employer's commune named without its postal code: it must at least exist.
    const wanted = normalizeCommuneName(nom);
    const exists = reference.suggestCommuneNames(nom, {}, 5).some((s) => normalizeCommuneName(s.nom) === wanted);
    return exists ? [] : [unknownName(nom, `${a.chemin}/commune`, reference)];
  }
  if (reference.matchCommuneName(nom, cp).length > 0) return [];
  const wanted = normalizeCommuneName(nom);
  const homonyms = reference.suggestCommuneNames(nom, { codePostal: cp }, 5).filter((s) => normalizeCommuneName(s.nom) === wanted);
  if (homonyms.length === 0) return [unknownName(nom, `${a.chemin}/commune`, reference, cp)];
  const served = reference.communesByPostalCode(cp);
  return [
    demandeError('DEM_COMMUNE_CODE_POSTAL', `${a.chemin}/codePostal`, {
      valeur: cp,
      message:
        `Le code postal ${cp} ne dessert pas de commune nommée ${nom} ; ` +
        `${homonyms.map((h) => `${describeSuggestion(h)} : ${h.codesPostaux.join(', ')}`).join(' ; ')}` +
        (served.length > 0 ? ` ; le ${cp} dessert : ${listCommunes(served)}.` : '.'),
      suggestion: homonyms.length === 1 ? homonyms[0]!.codesPostaux.join(', ') : homonyms.map((h) => `${h.nom} (${h.departement}) : ${h.codesPostaux.join(', ')}`).join(' ; '),
    }),
  ];
}

function checkByPostalCode(a: AdresseVue, cp: string, reference: ReferenceIndex): DemandeError[] {
  const served = reference.communesByPostalCode(cp);
  if (served.length <= 1) return [];
  return [
    demandeError('DEM_COMMUNE_CODE_POSTAL', `${a.chemin}/commune`, {
      valeur: cp,
      message: `Le code postal ${cp} dessert plusieurs communes (${listCommunes(served)}) : précisez la commune par son code INSEE ou son nom.`,
      suggestion: served.map((c) => `${c.code} ${c.nom}`).join(', '),
    }),
  ];
}

export function checkAdresse(a: AdresseVue, reference: ReferenceIndex): DemandeError[] {
  if (a.etranger || cedexOf(a, reference) !== undefined) return [];
  const cp = a.codePostal;
  if (cp !== undefined && !FRENCH_POSTAL_CODE.test(cp)) {
    return [
      demandeError('DEM_COMMUNE_CODE_POSTAL', `${a.chemin}/codePostal`, {
        valeur: cp,
        message: `Le code postal « ${cp} » n'a pas la forme d'un code postal français (5 chiffres) ; pour une adresse à l'étranger, indiquez <etranger>true</etranger>.`,
      }),
    ];
  }
  const { code, nom } = a.commune ?? {};
  if (code !== undefined) return checkByCode(a, code, reference);
  if (nom !== undefined) return checkByName(a, nom, reference);
  if (cp !== undefined) return checkByPostalCode(a, cp, reference);
  return [];
}

export const adresse: DemandeRule = (demande, { reference }) => adressesOf(demande).flatMap((a) => checkAdresse(a, reference));

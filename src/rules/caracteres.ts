/**
 * Characters no name or address holds (issue 15, docs/decisions.md "Characters"): reported as
 * DEM_SCHEMA on the field's chemin, naming the character by its code point.
 *
 * - In every name, address and commune: control, format (zero-width, soft hyphen, bidi
 *   overrides), private-use, unassigned characters and line separators. They are invisible, so a
 *   name holding one looks like another and evades the doublon check (spec 4.2).
 * - In the names of persons (nom, nom patronymique, prénom): letters of another script than the
 *   Latin one. French civil status writes names in Latin letters, and a foreign name is written
 *   as transliterated on the identity document; a Cyrillic « о » in a Latin name is a look-alike.
 *
 * Dashes and spaces of every kind (U+2011, no-break space) are visible and admitted: the doublon
 * key ignores them (src/registry/doublon.ts), as it folds the look-alikes below, for names
 * registered before this rule.
 */
import { demandeError, type DemandeError } from '../errors.js';
import type { CommuneRef, Demande } from '../lot/types.js';
import { demandePath, hasDemandeLogement } from '../lot/types.js';
import { personnesOf } from './adresses.js';
import type { DemandeRule } from './types.js';

/**
 * Printable ASCII, Latin-1 but for the soft hyphen, Latin Extended-A and -B: visible, and Latin
 * or common punctuation. Nearly every value is made of these alone, and is checked no further.
 */
const PLAIN = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u024f]*$/;
/** Invisible or meaningless in a name or an address, whatever the script. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** A letter of a script other than Latin; `Common` (ʼ U+02BC) and `Inherited` (combining accents) pass. */
const NON_LATIN_LETTER = /(?![\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}])\p{L}/u;

const SCRIPTS: readonly (readonly [RegExp, string])[] = [
  [/\p{Script=Cyrillic}/u, 'cyrillique'],
  [/\p{Script=Greek}/u, 'grecque'],
  [/\p{Script=Armenian}/u, 'arménienne'],
  [/\p{Script=Arabic}/u, 'arabe'],
  [/\p{Script=Hebrew}/u, 'hébraïque'],
];

/**
 * Letters of other scripts drawn like Latin ones, case kept (Greek Η is H, η is n). Used for the
 * doublon key and to suggest the Latin spelling; not the whole Unicode confusables table, only the
 * scripts whose letters pass for Latin in the fonts guichets use.
 */
const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  А: 'A', В: 'B', Е: 'E', Ѕ: 'S', І: 'I', Ј: 'J', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C',
  Т: 'T', У: 'Y', Х: 'X', Ү: 'Y', Һ: 'H', Ӏ: 'I', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W',
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', ѕ: 's', і: 'i', ј: 'j', һ: 'h', ӏ: 'l',
  ԁ: 'd', ԛ: 'q', ԝ: 'w', ү: 'y', к: 'k',
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X', Ϲ: 'C', Ϳ: 'J',
  α: 'a', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', υ: 'u', χ: 'x', ϲ: 'c', ϳ: 'j',
  // Armenian
  Օ: 'O', օ: 'o', Ս: 'U', ս: 'u', հ: 'h', ո: 'n',
};
const LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu');

/** Each letter of another script drawn like a Latin one replaced by that Latin letter. */
export function foldLookalikes(s: string): string {
  return s.replace(LOOKALIKE, (c) => LOOKALIKES[c] ?? c);
}

const codePoint = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function describeInvisible(c: string): string {
  if (BIDI.test(c)) return `caractère de contrôle de direction du texte ${codePoint(c)}`;
  if (/\p{Cf}/u.test(c)) return `caractère invisible ${codePoint(c)}`;
  if (/\p{Cc}/u.test(c)) return `caractère de contrôle ${codePoint(c)}`;
  if (/\p{Co}/u.test(c)) return `caractère à usage privé ${codePoint(c)}`;
  if (/[\p{Zl}\p{Zp}]/u.test(c)) return `séparateur de ligne ${codePoint(c)}`;
  return `caractère non attribué ${codePoint(c)}`;
}

function describeLetter(c: string): string {
  const script = SCRIPTS.find(([re]) => re.test(c))?.[1] ?? 'non latine';
  return `lettre ${script} « ${c} » (${codePoint(c)})`;
}

/** The value as it can be shown back: each invisible character written as its code point. */
const visible = (s: string): string => [...s].map((c) => (INVISIBLE.test(c) ? `[${codePoint(c)}]` : c)).join('');

interface Champ {
  readonly chemin: string;
  readonly valeur: string | undefined;
  /** `un nom`: what the message says the field is. */
  readonly nature: string;
  /** Names of persons: Latin letters only. */
  readonly latin: boolean;
}

function fault(champ: Champ & { valeur: string }): DemandeError | undefined {
  // Whole-value tests first: nearly every value passes, and is not split into characters.
  if (PLAIN.test(champ.valeur)) return undefined;
  const hasInvisible = INVISIBLE.test(champ.valeur);
  if (!hasInvisible && !(champ.latin && NON_LATIN_LETTER.test(champ.valeur))) return undefined;
  const chars = [...champ.valeur];
  const invisible = chars.find((c) => INVISIBLE.test(c));
  if (invisible !== undefined) {
    const cleaned = chars.filter((c) => !INVISIBLE.test(c)).join('');
    return demandeError('DEM_SCHEMA', champ.chemin, {
      valeur: visible(champ.valeur),
      message: `${describeInvisible(invisible)} non admis dans ${champ.nature} : retirez-le (il est souvent collé avec le texte copié d'un document ou d'une page web).`,
      suggestion: cleaned.trim() === '' ? undefined : cleaned,
    });
  }
  const letter = chars.find((c) => NON_LATIN_LETTER.test(c))!;
  const folded = foldLookalikes(champ.valeur);
  return demandeError('DEM_SCHEMA', champ.chemin, {
    valeur: champ.valeur,
    message: `${describeLetter(letter)} non admise dans ${champ.nature} : les noms s'écrivent en lettres latines, comme à l'état civil ; un nom étranger s'écrit tel que translittéré sur la pièce d'identité.`,
    suggestion: NON_LATIN_LETTER.test(folded) ? undefined : folded,
  });
}

const communeChamp = (chemin: string, commune: CommuneRef | undefined): Champ[] =>
  commune?.nom === undefined ? [] : [{ chemin: `${chemin}/commune`, valeur: commune.nom, nature: 'un nom de commune', latin: false }];

/** Every name, address and commune of a demande, with its chemin. */
function champsOf(demande: Demande): Champ[] {
  if (!hasDemandeLogement(demande)) return [];
  const champs: Champ[] = [];
  const nom = (chemin: string, valeur: string | undefined, nature = 'un nom'): Champ => ({ chemin, valeur, nature, latin: true });
  const texte = (chemin: string, valeur: string | undefined, nature: string): Champ => ({ chemin, valeur, nature, latin: false });
  for (const { chemin, personne } of personnesOf(demande)) {
    champs.push(nom(`${chemin}/nom`, personne.nom), nom(`${chemin}/nomPatronymique`, personne.nomPatronymique));
    champs.push(nom(`${chemin}/prenom`, personne.prenom, 'un prénom'));
    const a = personne.adressePostale;
    if (a !== undefined) {
      const at = `${chemin}/adressePostale`;
      champs.push(texte(`${at}/numero`, a.numero, 'une adresse'), texte(`${at}/voie`, a.voie, 'une adresse'));
      champs.push(texte(`${at}/complement`, a.complement, 'une adresse'), ...communeChamp(at, a.commune));
    }
    const s = personne.situationProfessionnelle;
    if (s !== undefined) {
      const at = `${chemin}/situationProfessionnelle`;
      champs.push(texte(`${at}/profession`, s.profession, 'une profession'));
      champs.push(texte(`${at}/nomEmployeurPrincipal`, s.nomEmployeurPrincipal, "un nom d'employeur"));
      champs.push(texte(`${at}/voie`, s.voie, 'une adresse'), ...communeChamp(at, s.commune));
    }
  }
  const physique = `${demandePath(demande.position)}/demandeLogement/personnePhysique`;
  demande.demandeLogement.personnesACharge.forEach((p, i) => {
    const chemin = `${physique}/listePersonneACharge/personneACharge[${i + 1}]`;
    champs.push(nom(`${chemin}/nom`, p.nom), nom(`${chemin}/prenom`, p.prenom, 'un prénom'));
  });
  const souhaitees = `${demandePath(demande.position)}/demandeLogement/logementRecherche/listeLocalisationSouhaite`;
  demande.demandeLogement.logementRecherche.communesSouhaitees.forEach((c, i) => {
    champs.push(...communeChamp(`${souhaitees}/localisationSouhaite[${i + 1}]`, c));
  });
  return champs;
}

export const caracteres: DemandeRule = (demande) =>
  champsOf(demande).flatMap((champ) => {
    if (champ.valeur === undefined) return [];
    const error = fault({ ...champ, valeur: champ.valeur });
    return error === undefined ? [] : [error];
  });

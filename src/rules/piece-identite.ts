/**
 * DEM_PIECE_IDENTITE (spec 4.2): the demandeur and the cotitulaire each need an identity piece
 * whose number has the form of its kind, and a kind their nationality can hold:
 * - CNI, French national: the card of 2021 (9 letters or digits, `X4RTBPFW4`) or the older card
 *   (12 characters: 4 digits, 3 letters or digits, 5 digits); EU national: their own national card,
 *   6 to 20 letters or digits; non-EU national: refused (a CNI is French or European).
 * - PASSEPORT, French national: 2 digits, 2 letters, 5 digits (`19FV12345`); others: 6 to 20
 *   letters or digits (each country has its own form).
 * - TITRE_SEJOUR: the 10-digit numéro d'étranger (AGDREF) printed on every titre; refused for a
 *   French national, who holds none.
 * Numbers are compared in capitals; spaces and hyphens are refused, with the compact form as fix.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { personnesOf } from './adresses.js';
import type { DemandeRule } from './types.js';

const FRANCAISE = '1';
const UNION_EUROPEENNE = '2';

interface Form {
  readonly pattern: RegExp;
  readonly expected: string;
}

const GENERIC: Form = { pattern: /^[A-Z0-9]{6,20}$/, expected: '6 à 20 lettres ou chiffres' };

/** The expected form of the number, or a French reason why this kind cannot be held. */
export function pieceForm(code: string, nationalite: string): Form | string {
  switch (code) {
    case 'CNI':
      if (nationalite === FRANCAISE) {
        return {
          pattern: /^(?:[A-Z0-9]{9}|\d{4}[A-Z0-9]{3}\d{5})$/,
          expected: '9 lettres ou chiffres (carte de 2021) ou 12 caractères (ancienne carte)',
        };
      }
      if (nationalite === UNION_EUROPEENNE) return GENERIC;
      return "une carte nationale d'identité ne peut être celle d'un ressortissant hors Union européenne : donnez son titre de séjour";
    case 'PASSEPORT':
      return nationalite === FRANCAISE ? { pattern: /^\d{2}[A-Z]{2}\d{5}$/, expected: '2 chiffres, 2 lettres et 5 chiffres' } : GENERIC;
    case 'TITRE_SEJOUR':
      if (nationalite === FRANCAISE) return "un ressortissant français n'a pas de titre de séjour : donnez sa carte d'identité ou son passeport";
      return { pattern: /^\d{10}$/, expected: "le numéro d'étranger à 10 chiffres" };
    default:
      return `type de pièce ${code} inconnu`;
  }
}

const LABEL: Readonly<Record<string, string>> = {
  CNI: "carte nationale d'identité",
  PASSEPORT: 'passeport',
  TITRE_SEJOUR: 'titre de séjour',
};

export const pieceIdentite: DemandeRule = (demande) => {
  const errors: DemandeError[] = [];
  for (const { chemin, personne, demandeur } of personnesOf(demande)) {
    const qui = demandeur ? 'du demandeur' : 'du cotitulaire';
    const piece = personne.pieceIdentite;
    if (piece === undefined) {
      errors.push(
        demandeError('DEM_PIECE_IDENTITE', `${chemin}/pieceIdentite`, {
          message: `Pièce d'identité ${qui} absente : elle est obligatoire.`,
          suggestion: 'Ajoutez <pieceIdentite code="CNI|PASSEPORT|TITRE_SEJOUR" numero="…"/> après <nationalite>.',
        }),
      );
      continue;
    }
    const form = pieceForm(piece.code, personne.nationalite);
    if (typeof form === 'string') {
      errors.push(
        demandeError('DEM_PIECE_IDENTITE', `${chemin}/pieceIdentite/@code`, {
          valeur: piece.code,
          message: `Pièce d'identité ${qui} non admise pour sa nationalité (code ${personne.nationalite}) : ${form}.`,
        }),
      );
      continue;
    }
    if (form.pattern.test(piece.numero)) continue;
    const compact = piece.numero.replace(/[\s-]+/g, '').toUpperCase();
    errors.push(
      demandeError('DEM_PIECE_IDENTITE', `${chemin}/pieceIdentite/@numero`, {
        valeur: piece.numero,
        message: `Numéro de ${LABEL[piece.code] ?? piece.code} ${qui} invalide : attendu ${form.expected}.`,
        suggestion: compact !== piece.numero && form.pattern.test(compact) ? compact : undefined,
      }),
    );
  }
  return errors;
};

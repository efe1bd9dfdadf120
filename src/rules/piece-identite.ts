/**
 * DEM_PIECE_IDENTITE (spec 4.2, CCH R.441-2-3): the demandeur needs an identity piece and, as a
 * national of a country outside the European Union, proof of lawful residence — a titre de séjour
 * (a passport alone is refused). A cotitulaire's piece is optional (the article asks only the
 * demandeur's), but checked when given. A piece needs a number of the form of its kind, and a
 * kind the person's nationality can hold:
 * - CNI, French national: the card of 2021 (9 letters or digits, `X4RTBPFW4`) or the older card
 *   (12 characters: 4 digits, 3 letters or digits, 5 digits); EU national: their own national card,
 *   6 to 20 letters or digits; non-EU national: refused (a CNI is French or European).
 * - PASSEPORT, French national: 2 digits, 2 letters, 5 digits (`19FV12345`); others: 6 to 20
 *   letters or digits (each country has its own form); not enough for a non-EU demandeur.
 * - TITRE_SEJOUR: the 10-digit numéro d'étranger (AGDREF) printed on every titre; refused for a
 *   French national, who holds none.
 * Numbers are compared in capitals; spaces and hyphens are refused, with the compact form as fix.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { personnesOf } from './adresses.js';
import type { DemandeRule } from './types.js';

const FRANCAISE = '1';
const UNION_EUROPEENNE = '2';
const HORS_UNION_EUROPEENNE = '3';

const TITRE_SEJOUR_XML = '<pieceIdentite code="TITRE_SEJOUR" numero="…"/> (son numéro d\'étranger à 10 chiffres)';

interface Form {
  readonly pattern: RegExp;
  readonly expected: string;
}

const GENERIC: Form = { pattern: /^[A-Z0-9]{6,20}$/, expected: '6 à 20 lettres ou chiffres' };

/** Why a kind of piece is not admitted, in French, and what to give instead when there is one. */
interface Refusal {
  readonly raison: string;
  readonly suggestion?: string;
}

/**
 * The expected form of the number, or why this kind cannot be held. `demandeur`: the piece must
 * also prove lawful residence (R.441-2-3), which a non-EU national's passport does not.
 */
export function pieceForm(code: string, nationalite: string, demandeur = true): Form | Refusal {
  switch (code) {
    case 'CNI':
      if (nationalite === FRANCAISE) {
        return {
          pattern: /^(?:[A-Z0-9]{9}|\d{4}[A-Z0-9]{3}\d{5})$/,
          expected: '9 lettres ou chiffres (carte de 2021) ou 12 caractères (ancienne carte)',
        };
      }
      if (nationalite === UNION_EUROPEENNE) return GENERIC;
      return { raison: "une carte nationale d'identité ne peut être celle d'un ressortissant hors Union européenne : donnez son titre de séjour" };
    case 'PASSEPORT':
      if (nationalite === FRANCAISE) return { pattern: /^\d{2}[A-Z]{2}\d{5}$/, expected: '2 chiffres, 2 lettres et 5 chiffres' };
      if (demandeur && nationalite === HORS_UNION_EUROPEENNE) {
        return {
          raison:
            "un passeport seul ne suffit pas pour un demandeur ressortissant d'un pays hors Union européenne : la régularité de son séjour en France doit être justifiée par un titre de séjour (CCH, art. R. 441-2-3)",
          suggestion: `Donnez son titre de séjour : ${TITRE_SEJOUR_XML}.`,
        };
      }
      return GENERIC;
    case 'TITRE_SEJOUR':
      if (nationalite === FRANCAISE) return { raison: "un ressortissant français n'a pas de titre de séjour : donnez sa carte d'identité ou son passeport" };
      return { pattern: /^\d{10}$/, expected: "le numéro d'étranger à 10 chiffres" };
    default:
      return { raison: `type de pièce ${code} inconnu` };
  }
}

const LABEL: Readonly<Record<string, string>> = {
  CNI: "carte nationale d'identité",
  PASSEPORT: 'passeport',
  TITRE_SEJOUR: 'titre de séjour',
};

/** The demandeur gave no piece: a non-EU national is told a titre de séjour is what is needed. */
function pieceAbsente(chemin: string, nationalite: string): DemandeError {
  const horsUnion = nationalite === HORS_UNION_EUROPEENNE;
  return demandeError('DEM_PIECE_IDENTITE', `${chemin}/pieceIdentite`, {
    message: horsUnion
      ? "Titre de séjour du demandeur absent : il est obligatoire pour un ressortissant d'un pays hors Union européenne (CCH, art. R. 441-2-3)."
      : "Pièce d'identité du demandeur absente : elle est obligatoire (CCH, art. R. 441-2-3).",
    suggestion: horsUnion
      ? `Ajoutez ${TITRE_SEJOUR_XML} après <nationalite>.`
      : 'Ajoutez <pieceIdentite code="CNI|PASSEPORT|TITRE_SEJOUR" numero="…"/> après <nationalite>.',
  });
}

export const pieceIdentite: DemandeRule = (demande) => {
  const errors: DemandeError[] = [];
  for (const { chemin, personne, demandeur } of personnesOf(demande)) {
    const qui = demandeur ? 'du demandeur' : 'du cotitulaire';
    const piece = personne.pieceIdentite;
    if (piece === undefined) {
      // R.441-2-3 asks the demandeur's piece only: a cotitulaire's is checked when given.
      if (demandeur) errors.push(pieceAbsente(chemin, personne.nationalite));
      continue;
    }
    const form = pieceForm(piece.code, personne.nationalite, demandeur);
    if ('raison' in form) {
      errors.push(
        demandeError('DEM_PIECE_IDENTITE', `${chemin}/pieceIdentite/@code`, {
          valeur: piece.code,
          message: `Pièce d'identité ${qui} non admise pour sa nationalité (code ${personne.nationalite}) : ${form.raison}.`,
          suggestion: form.suggestion,
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

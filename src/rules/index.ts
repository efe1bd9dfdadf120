/**
 * The demande-level rules that need no registry history (spec 4.2), one file per family, run
 * through one table. Rules that need the registry (numéro, doublon, renewal window) are the
 * registry operations' business.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { demandePath, hasDemandeLogement, type Demande } from '../lot/types.js';
import { adresse } from './adresse.js';
import { caracteres } from './caracteres.js';
import { cedex } from './cedex.js';
import { dateNaissance } from './date-naissance.js';
import { dateReception } from './date-reception.js';
import { localisation, territoireOf } from './localisation.js';
import { mel } from './mel.js';
import { nomsCommunes, type NomsCommunes } from './noms-communes.js';
import { pieceIdentite } from './piece-identite.js';
import type { DemandeRule, RuleContext } from './types.js';

/**
 * In the order a guichet reads a demande: the characters of its names and addresses, its date,
 * identity, contact, addresses, then the housing sought.
 */
export const DEMANDE_RULES: readonly DemandeRule[] = [caracteres, dateReception, dateNaissance, pieceIdentite, mel, cedex, adresse, localisation];

export interface Judgement {
  readonly errors: readonly DemandeError[];
  /** The territory the demande belongs to, when it has communes souhaitées in one. */
  readonly territoire?: string;
  /** What its attestation prints for communes given by code or postal code only. */
  readonly nomsCommunes?: NomsCommunes;
}

/** Judges every readable demande of a lot; the result is keyed by position. */
export function judgeDemandes(demandes: readonly Demande[], context: RuleContext): Map<number, Judgement> {
  const duplicated = duplicatedReferences(demandes);
  const judgements = new Map<number, Judgement>();
  for (const demande of demandes) {
    const errors: DemandeError[] = [];
    if (duplicated.has(demande.reference)) {
      errors.push(
        demandeError('DEM_REFERENCE_DUPLIQUEE', `${demandePath(demande.position)}/@reference`, {
          valeur: demande.reference,
          message: `La référence ${demande.reference} est portée par plusieurs demandes du lot (positions ${duplicated.get(demande.reference)!.join(', ')}).`,
          suggestion: 'Donnez à chaque demande du lot une référence distincte.',
        }),
      );
    }
    for (const rule of DEMANDE_RULES) errors.push(...rule(demande, context));
    const territoire = territoireOf(demande, context.reference);
    judgements.set(demande.position, {
      errors,
      ...(territoire === undefined ? {} : { territoire }),
      ...(hasDemandeLogement(demande) ? { nomsCommunes: nomsCommunes(demande.demandeLogement, context.reference) } : {}),
    });
  }
  return judgements;
}

function duplicatedReferences(demandes: readonly Demande[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  for (const d of demandes) positions.set(d.reference, [...(positions.get(d.reference) ?? []), d.position]);
  return new Map([...positions].filter(([, p]) => p.length > 1));
}

export type { RuleContext } from './types.js';
export { nomsCommunes, type NomsCommunes } from './noms-communes.js';
export { demandeDay } from './date-reception.js';

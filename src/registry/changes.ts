/**
 * What a REN or MOD changed, for the audit trail: the names of the parts of the demande that
 * differ (`demandeur.adressePostale`, `logementRecherche`), never their values, so that the
 * trail says "what" without holding personal data twice.
 */
import type { DemandeLogement } from '../lot/types.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function changedKeys(before: object, after: object, prefix: string): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => !same((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]))
    .sort()
    .map((k) => `${prefix}${k}`);
}

/** The changed parts, the demandeur's one level deeper; `numUnique` is the demande's identity, not a change. */
export function champsModifies(before: DemandeLogement, after: DemandeLogement): string[] {
  const { numUnique: _b, demandeur: demandeurAvant, ...restAvant } = before;
  const { numUnique: _a, demandeur: demandeurApres, ...restApres } = after;
  return [...changedKeys(demandeurAvant, demandeurApres, 'demandeur.'), ...changedKeys(restAvant, restApres, '')];
}

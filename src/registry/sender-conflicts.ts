/**
 * One sender address, one guichet: a message is attributed to its guichet by its `From`, so an
 * address given to two guichets would let either deposit lots as the other (and which one the
 * lookup picks is arbitrary). Enrolment refuses it; `doctor` reports a registry that has it.
 */
import type { Guichet } from './model.js';

export interface SenderConflict {
  /** Lower-cased, as the registry stores sender addresses. */
  readonly adresse: string;
  readonly guichets: readonly string[];
}

/** Each address that is a sender of more than one guichet, with those guichets' codes. */
export function senderConflicts(guichets: readonly Pick<Guichet, 'code' | 'expediteurs'>[]): SenderConflict[] {
  const owners = new Map<string, string[]>();
  for (const g of guichets) {
    for (const address of new Set(g.expediteurs.map((e) => e.toLowerCase()))) owners.set(address, [...(owners.get(address) ?? []), g.code]);
  }
  return [...owners].filter(([, codes]) => codes.length > 1).map(([adresse, codes]) => ({ adresse, guichets: codes }));
}

/** The addresses among `addresses` already senders of a guichet other than `code`, with that guichet. */
export function sendersTaken(guichets: readonly Guichet[], code: string, addresses: readonly string[]): SenderConflict[] {
  const others = guichets.filter((g) => g.code !== code);
  return senderConflicts([...others, { code, expediteurs: addresses }]).filter((c) => c.guichets.includes(code));
}

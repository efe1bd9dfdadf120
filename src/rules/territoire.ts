/**
 * Habilitation by territory (spec 4.4): a guichet holds départements; a demande's territory
 * is a département on 3 characters, or `111` for the whole Île-de-France.
 */
import { territoryOf } from './reference/index.js';

/** A guichet is habilitated for a territory when it holds one of its départements. */
export function isHabilitated(departements: readonly string[], territoire: string): boolean {
  return departements.some((d) => territoryOf(d) === territoire);
}

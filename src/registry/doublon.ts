/**
 * Doublons (spec 4.2 `DEM_DOUBLON`): one active demande per demandeur and territory. The demandeur
 * is identified by nom, prénom and date de naissance compared without case, accents, spaces,
 * hyphens and apostrophes (`normaliseIdentite`). The comparison form is stored, indexed, beside
 * each demande (`cle_doublon`), so that finding a doublon is one index lookup however large the
 * registry.
 *
 * How it applies (docs/decisions.md):
 * - CRE is refused when an ACTIVE demande of the same territory has the same key.
 * - REN and MOD are refused when their new data would make the demande a doublon of ANOTHER
 *   active demande of its territory; a demande is never its own doublon.
 * - Within one lot, demandes are registered in lot order: the first registers, a later one for
 *   the same demandeur is a doublon of it.
 * - The existing numéro is given only to the guichet that registered it.
 */
import { isCalendarDay } from '../clock.js';
import { demandeError, type DemandeError } from '../errors.js';
import { demandePath, type DemandeLogement } from '../lot/types.js';
import { foldLookalikes } from '../rules/caracteres.js';
import type { RegistryReads } from './registry.js';

/** Latin letters NFKD leaves whole: ligatures, and letters whose stroke or missing dot is their accent. */
const LETTERS: Readonly<Record<string, string>> = { œ: 'oe', æ: 'ae', ß: 'ss', ł: 'l', ø: 'o', đ: 'd', ð: 'd', ħ: 'h', ŧ: 't', ı: 'i' };

/**
 * The comparison form of a name: only its letters and digits, without case or accents.
 * `Jean-Pierre` = `jean pierre` = `JEANPIERRE`, `Łukasz` = `Lukasz`. What a name may hold without
 * it showing is also dropped or folded, so that it cannot tell one demandeur from another: format
 * characters (zero-width space, soft hyphen, bidi controls), dashes and spaces of every kind,
 * compatibility forms (full-width letters, ligatures, by NFKD) and the letters of other scripts
 * drawn like Latin ones (Cyrillic « о »). The rules refuse most of these in new lots
 * (src/rules/caracteres.ts); the key folds them for demandes registered before.
 *
 * Changing this function changes stored keys: add a migration step that recomputes them with
 * `cleDoublon` (as `recomputeClesDoublon` does in src/registry/sqlite/migrations.ts).
 */
export function normaliseIdentite(s: string): string {
  // Most names are plain ASCII: no Unicode work for them.
  if (/^[\x20-\x7e]*$/.test(s)) return s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return foldLookalikes(s.normalize('NFKD').replace(/\p{M}/gu, ''))
    .toLowerCase()
    .normalize('NFD') // `İ` lowercases to `i` and a combining dot
    .replace(/\p{M}/gu, '')
    .replace(/[œæßłøđðħŧı]/g, (c) => LETTERS[c] ?? c)
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The doublon key of a demandeur's nom, prénom and birth date (`AAAA-MM-JJ`): what `demandes search` looks up. */
export function cleIdentite(nom: string, prenom: string, dateNaissance: string): string {
  return `${normaliseIdentite(nom)}|${normaliseIdentite(prenom)}|${dateNaissance}`;
}

/**
 * The key a search for a demandeur looks up (`demandes search`, the console's search), or which of
 * the inputs cannot make one: a birth date that is no calendar day `AAAA-MM-JJ`, a nom or prénom
 * without a letter or digit (its comparison form is empty).
 */
export function cleRecherche(nom: string, prenom: string, naissance: string): { readonly cle: string } | { readonly invalide: 'naissance' | 'nomPrenom' } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(naissance) || !isCalendarDay(naissance)) return { invalide: 'naissance' };
  if (normaliseIdentite(nom) === '' || normaliseIdentite(prenom) === '') return { invalide: 'nomPrenom' };
  return { cle: cleIdentite(nom, prenom, naissance) };
}

/** The doublon key of a demande, or undefined when its demandeur has no birth date (DEM_DATE_NAISSANCE's business). */
export function cleDoublon(donnees: Pick<DemandeLogement, 'demandeur'>): string | undefined {
  const { nom, prenom, dateNaissance } = donnees.demandeur;
  if (dateNaissance === undefined) return undefined;
  return cleIdentite(nom, prenom, dateNaissance);
}

/**
 * The DEM_DOUBLON error for this demande in this territory, if another active demande exists.
 * `sauf` is the demande's own numéro (REN, MOD).
 */
export async function doublonError(
  reads: Pick<RegistryReads, 'findDoublon'>,
  input: { position: number; donnees: DemandeLogement; territoire: string; guichet: string; sauf?: string },
): Promise<DemandeError | undefined> {
  const cle = cleDoublon(input.donnees);
  if (cle === undefined) return undefined;
  const existing = await reads.findDoublon(input.territoire, cle, input.sauf);
  if (!existing) return undefined;
  const chemin = `${demandePath(input.position)}/demandeLogement/personnePhysique/demandeur`;
  if (existing.guichet === input.guichet) {
    return demandeError('DEM_DOUBLON', chemin, {
      message: `Une demande active existe déjà pour ce demandeur sur le territoire ${input.territoire} : numéro unique ${existing.numeroUnique}. Renouvelez-la ou modifiez-la plutôt que d'en créer une autre.`,
      suggestion: existing.numeroUnique,
    });
  }
  return demandeError('DEM_DOUBLON', chemin, {
    message: `Une demande active existe déjà pour ce demandeur sur le territoire ${input.territoire}, enregistrée par un autre guichet : contactez votre gestionnaire territorial.`,
  });
}

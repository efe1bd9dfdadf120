/**
 * DEM_MEL (spec 4.2): the national system's "19 @ 17 . 3" rule, as the spec words it — a local
 * part of 1 to 19 characters among letters, digits and `. _ -`; a domain of 1 to 17 and a tld of
 * 2 to 3 characters among letters, digits, `.` and `-`. Letters are ASCII: the national system
 * stores no internationalised address. `mel` is optional; the demandeur's and the cotitulaire's
 * are checked.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { personnesOf } from './adresses.js';
import type { DemandeRule } from './types.js';

const LOCAL = /^[A-Za-z0-9._-]{1,19}$/;
const HOST_PART = /^[A-Za-z0-9.-]+$/;

/** Why `mel` breaks the rule, in French; undefined when it follows it. */
export function melFault(mel: string): string | undefined {
  const at = mel.split('@');
  if (at.length !== 2) return at.length === 1 ? 'il manque le signe @' : "l'adresse contient plusieurs @";
  const [local, host] = at as [string, string];
  if (local.length === 0 || local.length > 19) return `la partie avant @ a ${local.length} caractère(s) (1 à 19)`;
  if (!LOCAL.test(local)) return 'la partie avant @ ne peut contenir que des lettres sans accent, des chiffres et . _ -';
  if (!HOST_PART.test(host)) return 'la partie après @ ne peut contenir que des lettres sans accent, des chiffres, . et -';
  const dot = host.lastIndexOf('.');
  if (dot < 0) return 'il manque le point entre le domaine et son extension (exemple.fr)';
  // The spec lets the tld hold a dot: any split with a 1–17 domain and a 2–3 tld is admitted.
  for (let tld = 2; tld <= 3; tld++) {
    const split = host.length - tld - 1;
    if (split >= 1 && split <= 17 && host[split] === '.') return undefined;
  }
  const domain = host.slice(0, dot);
  const extension = host.slice(dot + 1);
  if (extension.length < 2 || extension.length > 3) return `l'extension « ${extension} » a ${extension.length} caractère(s) (2 à 3)`;
  return `le domaine « ${domain} » a ${domain.length} caractère(s) (1 à 17)`;
}

export const mel: DemandeRule = (demande) => {
  const errors: DemandeError[] = [];
  for (const { chemin, personne } of personnesOf(demande)) {
    if (personne.mel === undefined) continue;
    const fault = melFault(personne.mel);
    if (fault === undefined) continue;
    errors.push(
      demandeError('DEM_MEL', `${chemin}/mel`, {
        valeur: personne.mel,
        message: `L'adresse électronique ne respecte pas le format 19@17.3 : ${fault}.`,
        suggestion: "Donnez une adresse de la forme partie-locale@domaine.ext (19, 17 et 3 caractères au plus), ou omettez <mel>, qui est facultatif.",
      }),
    );
  }
  return errors;
};

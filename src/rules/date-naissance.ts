/**
 * DEM_DATE_NAISSANCE (spec 4.2): a birth date is required of the demandeur and the cotitulaire,
 * and never in the future; the demandeur must be 16 to 120 years old on the demande's day — its
 * `dateReception`, else the day the gateway received the lot (Europe/Paris): the law counts
 * from the deposit, so neither a late processing nor a replay can age a demandeur out of range.
 * The schema has already checked the date's form.
 */
import { demandeError, type DemandeError } from '../errors.js';
import { personnesOf } from './adresses.js';
import { demandeDay } from './date-reception.js';
import type { DemandeRule } from './types.js';

export const AGE_MIN = 16;
export const AGE_MAX = 120;

/** Full years between two ISO dates; someone born on 29 February turns a year older on 1 March. */
export function ageOn(naissance: string, today: string): number {
  const [y1, m1, d1] = naissance.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = today.split('-').map(Number) as [number, number, number];
  return y2 - y1 - (m2 < m1 || (m2 === m1 && d2 < d1) ? 1 : 0);
}

export const dateNaissance: DemandeRule = (demande, { receptionDay }) => {
  const day = demandeDay(demande, receptionDay);
  const errors: DemandeError[] = [];
  for (const { chemin, personne, demandeur } of personnesOf(demande)) {
    const qui = demandeur ? 'du demandeur' : 'du cotitulaire';
    const date = personne.dateNaissance;
    const at = `${chemin}/dateNaissance`;
    if (date === undefined) {
      errors.push(
        demandeError('DEM_DATE_NAISSANCE', at, {
          message: `Date de naissance ${qui} absente : elle est obligatoire.`,
          suggestion: 'Ajoutez <dateNaissance>AAAA-MM-JJ</dateNaissance> après <prenom>.',
        }),
      );
      continue;
    }
    if (date > day) {
      errors.push(demandeError('DEM_DATE_NAISSANCE', at, { valeur: date, message: `Date de naissance ${qui} dans le futur (${date}, demande reçue le ${day}).` }));
      continue;
    }
    const age = ageOn(date, day);
    if (age > AGE_MAX || (demandeur && age < AGE_MIN)) {
      errors.push(
        demandeError('DEM_DATE_NAISSANCE', at, {
          valeur: date,
          message: `Date de naissance ${qui} invraisemblable : ${age} an(s) le ${day} ; ${demandeur ? `le demandeur doit avoir de ${AGE_MIN} à ${AGE_MAX} ans` : `un âge de plus de ${AGE_MAX} ans n'est pas admis`}.`,
          suggestion: 'Vérifiez la date (format AAAA-MM-JJ : année, mois, jour).',
        }),
      );
    }
  }
  return errors;
};

/**
 * DEM_DATE_RECEPTION (spec 3.2): the law dates a demande from its deposit at the guichet, not
 * from its processing (CCH R.441-2-3). `dateReception`, when given, must be neither after the day
 * the gateway received the lot nor more than one month before it (the registration deadline), in
 * the Europe/Paris calendar. Without it, the demande is dated from the lot's reception day.
 */
import { addMonths } from '../clock.js';
import { demandeError } from '../errors.js';
import { demandePath, type Demande } from '../lot/types.js';
import type { DemandeRule } from './types.js';

/** The days a `dateReception` may name for a lot received on `receptionDay`; one month back, clamped to the month's end. */
export function acceptedReceptionDays(receptionDay: string): { readonly from: string; readonly to: string } {
  return { from: addMonths(receptionDay, -1), to: receptionDay };
}

/**
 * The day the demande counts from: the `dateDepot` of a CRE (and its numéro's MMYY), the renewal
 * day of a REN, the day its demandeur's age is judged on. A `dateReception` out of range is
 * DEM_DATE_RECEPTION's business; the other rules judge such a demande on the reception day.
 */
export function demandeDay(demande: Pick<Demande, 'dateReception'>, receptionDay: string): string {
  const { dateReception } = demande;
  if (dateReception === undefined) return receptionDay;
  const { from, to } = acceptedReceptionDays(receptionDay);
  return dateReception >= from && dateReception <= to ? dateReception : receptionDay;
}

export const dateReception: DemandeRule = (demande, { receptionDay }) => {
  const date = demande.dateReception;
  if (date === undefined) return [];
  const { from, to } = acceptedReceptionDays(receptionDay);
  if (date >= from && date <= to) return [];
  return [
    demandeError('DEM_DATE_RECEPTION', `${demandePath(demande.position)}/@dateReception`, {
      valeur: date,
      message: `Date de réception ${date} hors délai : elle doit être comprise entre le ${from} et le ${to} (jour de réception du lot par la passerelle).`,
      suggestion: `Une date du ${from} au ${to} ; sans l'attribut dateReception, la demande est datée du ${to}.`,
    }),
  ];
};

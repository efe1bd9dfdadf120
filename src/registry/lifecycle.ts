/**
 * The calendar of a demande (spec 4.5): valid one year from its registration or last renewal;
 * renewal accepted from one month before to one month after that anniversary.
 */
import { addMonths, addYears } from '../clock.js';

export function validUntil(registrationOrRenewal: string): string {
  return addYears(registrationOrRenewal, 1);
}

export function renewalWindow(anniversaire: string): { readonly from: string; readonly to: string } {
  return { from: addMonths(anniversaire, -1), to: addMonths(anniversaire, 1) };
}

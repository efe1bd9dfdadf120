/**
 * The calendar of a demande (spec 4.5): valid one year from its registration or last renewal;
 * renewal accepted from one month before to one month after that anniversary; past that, the
 * gateway radiates it (RADREN).
 */
import { addMonths, addYears, parseIsoDate } from '../clock.js';

export function validUntil(registrationOrRenewal: string): string {
  return addYears(registrationOrRenewal, 1);
}

export function renewalWindow(anniversaire: string): { readonly from: string; readonly to: string } {
  return { from: addMonths(anniversaire, -1), to: addMonths(anniversaire, 1) };
}

/** Not renewed by the end of its renewal window: radiated with RADREN from the next day on. */
export function isExpired(anniversaire: string, today: string): boolean {
  return today > renewalWindow(anniversaire).to;
}

/** The RADREN radiation's effective day: the day after the renewal window closed. */
export function expiryDay(anniversaire: string): string {
  const { y, m, d } = parseIsoDate(renewalWindow(anniversaire).to);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * The day a daily command works on (`expire`, `preavis`, `dispatch`): `--date AAAA-MM-JJ`, else
 * today in Paris by the injected clock.
 */
import { isCalendarDay, parisDate } from '../clock.js';
import type { CliContext } from './context.js';

export const DAY_OPTION_HELP = "jour de référence AAAA-MM-JJ (défaut : aujourd'hui, heure de Paris)";

/** The day, or undefined once a malformed `--date` was reported with status 2. */
export function commandDay(context: CliContext, date: string | undefined): string | undefined {
  if (date === undefined) return parisDate(context.clock().now());
  if (/^\d{4}-\d{2}-\d{2}$/.test(date) && isCalendarDay(date)) return date;
  context.err(`Date « ${date} » invalide : attendu AAAA-MM-JJ.`);
  process.exitCode = 2;
  return undefined;
}

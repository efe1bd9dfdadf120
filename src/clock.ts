/** Time is injected everywhere it matters (reception, renewal windows, expiry, numbering) so tests control it. */
export interface Clock {
  now(): Date;
  /**
   * An instant the system recorded (a Maildir file's mtime, an IMAP INTERNALDATE), read on this
   * clock: the same instant on the system clock, shifted with a clock that was moved.
   */
  fromSystem(at: Date): Date;
}

export const systemClock: Clock = { now: () => new Date(), fromSystem: (at) => at };

/**
 * A clock that stands still until `set`. What the system recorded some time ago happened that long
 * before its instant: a file written an hour ago on the system clock was written an hour before.
 */
export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    fromSystem: (recorded) => new Date(current.getTime() - (Date.now() - recorded.getTime())),
    set: (next) => {
      current = new Date(next);
    },
  };
}

/** The system clock moved to start at `start`, then running at its pace (timers and durations unchanged). */
export function shiftedClock(start: Date, system: Date = new Date()): Clock {
  const offsetMs = start.getTime() - system.getTime();
  return {
    now: () => new Date(Date.now() + offsetMs),
    fromSystem: (at) => new Date(at.getTime() + offsetMs),
  };
}

/**
 * The gateway's clock: the system's, unless `SNE_GATEWAY_NOW` (an ISO 8601 instant with its
 * offset) moves it, for tests and rehearsals — the registry's dates (reception, numéros, expiry)
 * then count from that instant. OpenPGP validity keeps the system clock (keys are made on it).
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv = process.env): Clock {
  const given = env.SNE_GATEWAY_NOW;
  if (given === undefined || given === '') return systemClock;
  const start = new Date(given);
  const wellFormed = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(given);
  if (wellFormed === null || Number.isNaN(start.getTime()) || !isCalendarDay(wellFormed[1]!)) {
    throw new RangeError(`SNE_GATEWAY_NOW : « ${given} » n'est pas un instant ISO 8601 avec son fuseau (exemple : 2026-11-26T09:30:00+01:00)`);
  }
  return shiftedClock(start);
}

/** The registry's calendar is French: a lot processed at 00:30 on 1 Dec in Paris is a December lot. */
const PARIS_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` of an instant, in Europe/Paris. */
export function parisDate(at: Date): string {
  return PARIS_DATE.format(at);
}

/** Whether `YYYY-MM-DD` names a day of the calendar (not 30 February). */
export function isCalendarDay(iso: string): boolean {
  const { y, m, d } = parseIsoDate(iso);
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === iso;
}

export function parseIsoDate(iso: string): { y: number; m: number; d: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (match === null) throw new RangeError(`Not an ISO date: ${iso}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** Calendar months later (or earlier), the day clamped to the month's end: 31 March − 1 = 28/29 February. */
export function addMonths(iso: string, months: number): string {
  const { y, m, d } = parseIsoDate(iso);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Whole years later; 29 February falls back to 28 February. */
export function addYears(iso: string, years: number): string {
  return addMonths(iso, 12 * years);
}

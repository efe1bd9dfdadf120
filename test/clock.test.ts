import { describe, expect, it } from 'vitest';
import { addMonths, addYears, clockFromEnvironment, fixedClock, parisDate, systemClock } from '../src/clock.js';
import { renewalWindow, validUntil } from '../src/registry/lifecycle.js';

describe('the registry calendar', () => {
  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(addMonths('2027-11-26', -1)).toBe('2027-10-26');
    expect(addMonths('2027-12-15', 1)).toBe('2028-01-15');
    expect(addMonths('2027-01-15', -1)).toBe('2026-12-15');
    expect(addMonths('2027-03-31', -1)).toBe('2027-02-28');
    expect(addMonths('2028-03-31', -1)).toBe('2028-02-29');
    expect(addMonths('2026-11-26', 36)).toBe('2029-11-26');
  });

  it('takes the Paris calendar day of an instant', () => {
    expect(parisDate(new Date('2026-11-26T23:30:00Z'))).toBe('2026-11-27');
    expect(parisDate(new Date('2026-07-01T21:59:00Z'))).toBe('2026-07-01');
  });

  it('adds years, 29 February falling back to 28 February', () => {
    expect(addYears('2026-11-26', 1)).toBe('2027-11-26');
    expect(addYears('2028-02-29', 1)).toBe('2029-02-28');
  });

  it('gives a demande one year of validity and a renewal window of a month either side (spec 4.5)', () => {
    expect(validUntil('2026-11-26')).toBe('2027-11-26');
    expect(renewalWindow('2027-11-26')).toEqual({ from: '2027-10-26', to: '2027-12-26' });
    expect(renewalWindow('2027-03-31')).toEqual({ from: '2027-02-28', to: '2027-04-30' });
  });
});

describe("the gateway's clock", () => {
  it('is moved by SNE_GATEWAY_NOW and then runs at the system pace', () => {
    const clock = clockFromEnvironment({ SNE_GATEWAY_NOW: '2027-03-31T23:30:00+02:00' });
    const now = clock.now().getTime();
    expect(Math.abs(now - Date.parse('2027-03-31T21:30:00Z'))).toBeLessThan(5_000);
    // A file written a minute ago on the system clock was written a minute before that instant.
    const written = clock.fromSystem(new Date(Date.now() - 60_000)).getTime();
    expect(Math.abs(now - written - 60_000)).toBeLessThan(5_000);
  });

  it('is the system clock without SNE_GATEWAY_NOW, and refuses an instant without its offset', () => {
    expect(clockFromEnvironment({})).toBe(systemClock);
    expect(() => clockFromEnvironment({ SNE_GATEWAY_NOW: '2027-03-31 23:30' })).toThrow(/SNE_GATEWAY_NOW.*ISO 8601/);
    expect(() => clockFromEnvironment({ SNE_GATEWAY_NOW: '2027-02-30T10:00:00Z' })).toThrow(/SNE_GATEWAY_NOW/);
  });

  it('stands still when fixed; what the system recorded an hour ago happened an hour before its instant', () => {
    const clock = fixedClock('2026-11-30T22:30:00Z');
    expect(clock.now().toISOString()).toBe('2026-11-30T22:30:00.000Z');
    const anHourAgo = clock.fromSystem(new Date(Date.now() - 3_600_000)).getTime();
    expect(Math.abs(anHourAgo - Date.parse('2026-11-30T21:30:00Z'))).toBeLessThan(5_000);
  });
});

import { describe, expect, it } from 'vitest';
import { addMonths, addYears, parisDate } from '../src/clock.js';
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

import { describe, expect, it } from 'vitest';
import { formatNumeroUnique, monthKey, NUMERO_UNIQUE, parseNumeroUnique } from '../../src/registry/numero-unique.js';

describe('numéro unique (spec 4.4)', () => {
  it('lays out territory, MMYY, sequence and guichet on 18 characters', () => {
    const numero = formatNumeroUnique({ territoire: '111', mmyy: '0318', sequence: 16982, guichet: 'G1104' });
    expect(numero).toBe('1110318016982G1104');
    expect(numero).toHaveLength(18);
    expect(parseNumeroUnique(numero)).toEqual({ territoire: '111', mmyy: '0318', sequence: 16982, guichet: 'G1104' });
  });

  it.each(['013', '02A', '02B', '971', '976', '111'])('accepts territory %s', (territoire) => {
    expect(formatNumeroUnique({ territoire, mmyy: '1126', sequence: 1, guichet: 'GDPUB' })).toMatch(NUMERO_UNIQUE);
  });

  it('refuses a malformed territory and an exhausted sequence', () => {
    expect(() => formatNumeroUnique({ territoire: '977', mmyy: '1126', sequence: 1, guichet: 'G1104' })).toThrow(RangeError);
    expect(() => formatNumeroUnique({ territoire: '093', mmyy: '1126', sequence: 1_000_000, guichet: 'G1104' })).toThrow(RangeError);
    expect(parseNumeroUnique('1111326000001G1104')).toBeUndefined();
  });

  it('takes MMYY from the registration date', () => {
    expect(monthKey('2026-11-26')).toBe('1126');
    expect(monthKey('2027-01-01')).toBe('0127');
  });
});

import { describe, expect, it } from 'vitest';
import { dateLongue, lignesAdresse, typo } from '../../src/replies/attestation/francais.js';

describe('French wording helpers', () => {
  it('writes dates the French way, 1er included, never split', () => {
    expect(dateLongue('2026-11-26')).toBe('26\u00A0novembre\u00A02026');
    expect(dateLongue('2027-03-01')).toBe('1er\u00A0mars\u00A02027');
    expect(dateLongue('2027-08-15')).toBe('15\u00A0août\u00A02027');
  });

  it('puts no-break spaces where French needs them, and composes decomposed letters', () => {
    expect(typo('Numéro : 12 ; « oui » ? non!')).toBe('Numéro\u00A0: 12\u202F; «\u202Foui\u202F»\u202F? non\u202F!');
    expect(typo('Nguye\u0302\u0303n')).toBe('Nguyễn');
    expect(typo('https://exemple.fr')).toBe('https://exemple.fr');
  });

  it('lays out a postal address line by line, with the commune name when known', () => {
    expect(
      lignesAdresse({ etranger: false, numero: '12', voie: 'rue des Lilas', complement: 'Bât. B', codePostal: '93200', commune: { code: '93066', nom: 'Saint-Denis' } }),
    ).toEqual(['12 rue des Lilas', 'Bât. B', '93200 Saint-Denis']);
    expect(lignesAdresse({ etranger: false, voie: 'rue des Lilas', codePostal: '93200', commune: { code: '93066' } })).toEqual([
      'rue des Lilas',
      '93200',
    ]);
  });
});

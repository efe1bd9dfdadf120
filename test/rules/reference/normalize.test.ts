/**
 * Name comparison (spec 4.3), territories (spec 4.4), and an index built from plain arrays, as a
 * future `reference import` of INSEE / La Poste CSV files will build it.
 */
import { describe, expect, it } from 'vitest';
import {
  departementOfCode,
  normalizeCommuneName,
  ReferenceIndex,
  territoryOf,
  type Commune,
} from '../../../src/rules/reference/index.js';
import { editDistance, suggestionKey } from '../../../src/rules/reference/normalize.js';

describe('normalizeCommuneName', () => {
  it('drops case and accents and treats - \' ’ and spaces alike', () => {
    expect(normalizeCommuneName("L'Haÿ-les-Roses")).toBe('l hay les roses');
    expect(normalizeCommuneName('L’HAY LES  ROSES ')).toBe('l hay les roses');
    expect(normalizeCommuneName('Œuilly')).toBe('oeuilly');
    expect(normalizeCommuneName('SAINT-ÉTIENNE')).toBe(normalizeCommuneName('saint etienne'));
  });

  it('expands no abbreviation', () => {
    expect(normalizeCommuneName('St-Denis')).not.toBe(normalizeCommuneName('Saint-Denis'));
  });

  it('expands St/Ste only in the suggestion key', () => {
    expect(suggestionKey('St. Denis')).toBe('saint denis');
    expect(suggestionKey('STE-MARIE')).toBe('sainte marie');
    expect(suggestionKey('Stella-Plage')).toBe('stella plage');
  });
});

describe('editDistance', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('marseille', 'marsiele')).toBe(2);
    expect(editDistance('ajaccio', 'ajacico')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('paris', 'paris')).toBe(0);
  });
});

describe('territoryOf', () => {
  it.each([
    ['93', '111'],
    ['75', '111'],
    ['95', '111'],
    ['13', '013'],
    ['01', '001'],
    ['2A', '02A'],
    ['2B', '02B'],
    ['971', '971'],
    ['976', '976'],
  ])('%s → %s', (departement, territory) => {
    expect(territoryOf(departement)).toBe(territory);
  });

  it.each(['20', '96', '975', '987', '00', '', '2C'])('refuses %j', (departement) => {
    expect(territoryOf(departement)).toBeUndefined();
  });

  it('reads the département off a code', () => {
    expect(departementOfCode('2A004')).toBe('2A');
    expect(departementOfCode('97411')).toBe('974');
    expect(departementOfCode('93066')).toBe('93');
    expect(departementOfCode('9306')).toBeUndefined();
  });
});

describe('ReferenceIndex from plain data', () => {
  const commune = (code: string, nom: string, codesPostaux: string[], extra: Partial<Commune> = {}): Commune => ({
    code,
    nom,
    type: 'commune',
    departement: code.slice(0, 2),
    region: '11',
    codesPostaux,
    population: 0,
    ...extra,
  });
  const index = new ReferenceIndex({
    edition: { source: 'test', version: '1' },
    communes: [
      commune('75056', 'Paris', ['75001', '75002']),
      commune('75101', 'Paris 1er Arrondissement', ['75001'], { type: 'arrondissement-municipal', commune: '75056' }),
      commune('93066', 'Saint-Denis', ['93200']),
      commune('93001', 'Aubervilliers', ['93300']),
    ],
    retired: [
      { code: '93059', kind: 'ancien-code', currentCode: '93066' },
      { code: '93059', nom: 'Pierrefitte-sur-Seine', kind: 'commune-deleguee', currentCode: '93066' },
      { code: '93066', nom: 'Saint-Denis', kind: 'commune-deleguee', currentCode: '93066' },
      { code: '12345', kind: 'ancien-code', currentCode: '00000' },
    ],
  });

  it('gives an arrondissement its postal code and keeps the rest for the city', () => {
    expect(index.communesByPostalCode('75001').map((c) => c.code)).toEqual(['75101']);
    expect(index.communesByPostalCode('75002').map((c) => c.code)).toEqual(['75056']);
    expect(index.matchCommuneName('paris', '75001').map((c) => c.code)).toEqual(['75056']);
  });

  it('keeps the named entry of a retired code, and drops current or dangling ones', () => {
    expect(index.retiredCode('93059')?.nom).toBe('Pierrefitte-sur-Seine');
    expect(index.retiredCode('93066')).toBeUndefined();
    expect(index.retiredCode('12345')).toBeUndefined();
  });

  it('counts its edition', () => {
    expect(index.edition()).toEqual({
      source: 'test',
      version: '1',
      communes: 3,
      arrondissements: 1,
      codesPostaux: 4,
      codesRetires: 1,
    });
  });
});

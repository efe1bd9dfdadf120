/**
 * The bundled reference (@etalab/decoupage-administratif, COG 2026 + La Poste postal codes),
 * queried on the cases of spec 4.2–4.4 and the FAQ.
 */
import { describe, expect, it } from 'vitest';
import { loadBundledReference } from '../../../src/rules/reference/index.js';

const reference = loadBundledReference();
const codes = (communes: readonly { code: string }[]): string[] => communes.map((c) => c.code);

describe('loadBundledReference', () => {
  it('is built once per process', () => {
    expect(loadBundledReference()).toBe(reference);
  });

  it('reports the edition bundled', () => {
    const edition = reference.edition();
    expect(edition.source).toContain('@etalab/decoupage-administratif');
    expect(edition.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(edition.date).toMatch(/^20\d\d-01-01$/);
    expect(edition.communes).toBeGreaterThan(34_000);
    expect(edition.communes).toBeLessThan(36_000);
    expect(edition.arrondissements).toBe(45);
    expect(edition.codesPostaux).toBeGreaterThan(6_000);
    expect(edition.codesRetires).toBeGreaterThan(1_000);
  });
});

describe('communes by code', () => {
  it('knows Saint-Denis (93) with its postal codes', () => {
    const commune = reference.communeByCode('93066');
    expect(commune).toMatchObject({ nom: 'Saint-Denis', type: 'commune', departement: '93', region: '11' });
    expect(commune?.codesPostaux).toEqual(expect.arrayContaining(['93200', '93210']));
  });

  it('knows Corsican codes with 2A/2B', () => {
    expect(reference.communeByCode('2A004')).toMatchObject({ nom: 'Ajaccio', departement: '2A' });
    expect(reference.communeByCode('2A004')?.codesPostaux).toContain('20000');
    expect(reference.communeByCode('20004')).toBeUndefined();
  });

  it('knows DROM communes with a 3-character département', () => {
    const commune = reference.communeByCode('97411');
    expect(commune).toMatchObject({ nom: 'Saint-Denis', departement: '974' });
    expect(commune?.codesPostaux).toContain('97400');
    expect(reference.communeByCode('97611')?.departement).toBe('976');
  });

  it('knows municipal arrondissements and their city', () => {
    expect(reference.communeByCode('75111')).toMatchObject({
      nom: 'Paris 11e Arrondissement',
      type: 'arrondissement-municipal',
      commune: '75056',
      codesPostaux: ['75011'],
    });
    expect(reference.communeByCode('69381')?.commune).toBe('69123');
    expect(reference.communeByCode('13216')?.commune).toBe('13055');
    expect(reference.communeByCode('75056')).toMatchObject({ nom: 'Paris', type: 'commune' });
  });

  it('leaves out the collectivités d’outre-mer', () => {
    expect(reference.communeByCode('97501')).toBeUndefined(); // Miquelon-Langlade
    expect(reference.communeByCode('98735')).toBeUndefined(); // Papeete
  });
});

describe('retired codes', () => {
  it('explains a former code by the commune it now belongs to', () => {
    expect(reference.retiredCode('20004')).toEqual({
      code: '20004',
      kind: 'ancien-code',
      currentCode: '2A004',
      currentNom: 'Ajaccio',
    });
  });

  it('explains a commune déléguée with its own name, and does not count it as current', () => {
    expect(reference.communeByCode('93059')).toBeUndefined();
    expect(reference.retiredCode('93059')).toEqual({
      code: '93059',
      nom: 'Pierrefitte-sur-Seine',
      kind: 'commune-deleguee',
      currentCode: '93066',
      currentNom: 'Saint-Denis',
    });
  });

  it('does not call retired a code that is current', () => {
    // 93066 is also the code of the commune déléguée Saint-Denis inside the new Saint-Denis.
    expect(reference.retiredCode('93066')).toBeUndefined();
    expect(reference.retiredCode('99999')).toBeUndefined();
  });
});

describe('postal codes', () => {
  it('gives the arrondissement, not the whole city, for a Paris postal code', () => {
    expect(codes(reference.communesByPostalCode('75011'))).toEqual(['75111']);
    expect(codes(reference.communesByPostalCode('75116'))).toEqual(['75116']);
    expect(codes(reference.communesByPostalCode('13001'))).toEqual(['13201']);
  });

  it('gives every commune of a shared postal code', () => {
    const served = codes(reference.communesByPostalCode('01500'));
    expect(served).toEqual(expect.arrayContaining(['01004', '01007', '01008']));
    expect(served.length).toBeGreaterThan(3);
  });

  it('serves Saint-Denis (93) by 93200 and 93210, and Saint-Denis (974) by 97400', () => {
    expect(codes(reference.communesByPostalCode('93200'))).toEqual(['93066']);
    expect(codes(reference.communesByPostalCode('93210'))).toEqual(['93066']);
    expect(codes(reference.communesByPostalCode('97400'))).toEqual(['97411']);
  });

  it('tells distribution codes from Cedex-like codes', () => {
    expect(reference.isDistributionPostalCode('93200')).toBe(true);
    expect(reference.isDistributionPostalCode('75011')).toBe(true);
    expect(reference.isDistributionPostalCode('93736')).toBe(false);
    expect(reference.communesByPostalCode('93736')).toEqual([]);
  });
});

describe('matchCommuneName', () => {
  it.each(['Saint-Denis', 'saint denis', 'SAINT-DENIS', 'Saint Denis', ' saint - denis ', 'Saint’Denis'])(
    'matches %j with 93200 to 93066, without case, accents or separators',
    (nom) => {
      expect(codes(reference.matchCommuneName(nom, '93200'))).toEqual(['93066']);
    },
  );

  it('ignores accents', () => {
    expect(codes(reference.matchCommuneName('saint etienne', '42000'))).toEqual(['42218']);
    expect(codes(reference.matchCommuneName('SAINT-ÉTIENNE', '42100'))).toEqual(['42218']);
  });

  it('expands no abbreviation', () => {
    expect(reference.matchCommuneName('St-Denis', '93200')).toEqual([]);
    expect(reference.matchCommuneName('ST DENIS', '93200')).toEqual([]);
  });

  it('refuses a commune the postal code does not serve', () => {
    expect(reference.matchCommuneName('Saint-Denis', '97400').map((c) => c.code)).toEqual(['97411']);
    expect(reference.matchCommuneName('Saint-Denis', '75011')).toEqual([]);
  });

  it('matches an arrondissement and its whole city by name', () => {
    expect(codes(reference.matchCommuneName('Paris 11e Arrondissement', '75011'))).toEqual(['75111']);
    expect(codes(reference.matchCommuneName('PARIS', '75011'))).toEqual(['75056']);
    expect(codes(reference.matchCommuneName('Marseille', '13001'))).toEqual(['13055']);
  });

  it('checks a name given with a code', () => {
    expect(reference.nameMatchesCode('saint denis', '93066')).toBe(true);
    expect(reference.nameMatchesCode('St-Denis', '93066')).toBe(false);
    expect(reference.nameMatchesCode('Ajaccio', '2A004')).toBe(true);
  });
});

describe('suggestCommuneNames', () => {
  it('suggests Saint-Denis for St-Denis, 93066 and 97411 first', () => {
    const found = codes(reference.suggestCommuneNames('St-Denis'));
    expect(found).toHaveLength(3);
    expect(found.slice(0, 2).sort()).toEqual(['93066', '97411']);
    expect(reference.suggestCommuneNames('St-Denis').every((s) => s.nom === 'Saint-Denis')).toBe(true);
  });

  it('ranks by the département or the postal code given', () => {
    expect(reference.suggestCommuneNames('St-Denis', { departement: '93' })[0]?.code).toBe('93066');
    expect(reference.suggestCommuneNames('St-Denis', { departement: '974' })[0]?.code).toBe('97411');
    expect(reference.suggestCommuneNames('ST DENIS', { codePostal: '93210' })[0]?.code).toBe('93066');
    expect(reference.suggestCommuneNames('ST DENIS', { codePostal: '97400' })[0]?.code).toBe('97411');
  });

  it('suggests what matchCommuneName refuses', () => {
    expect(reference.matchCommuneName('ST DENIS', '93200')).toEqual([]);
    expect(reference.suggestCommuneNames('ST DENIS', { codePostal: '93200' })[0]).toEqual({
      code: '93066',
      nom: 'Saint-Denis',
      departement: '93',
      codesPostaux: expect.arrayContaining(['93200', '93210']),
    });
  });

  it('suggests Saint-Étienne for St Étienne, and catches typos', () => {
    expect(reference.suggestCommuneNames('St Étienne')[0]?.code).toBe('42218');
    expect(reference.suggestCommuneNames('Ste. Marie', { departement: '974' })[0]?.code).toBe('97418');
    expect(reference.suggestCommuneNames('Marseile')[0]?.code).toBe('13055');
    expect(reference.suggestCommuneNames('Ajacio', { codePostal: '20000' })[0]?.code).toBe('2A004');
    expect(reference.suggestCommuneNames('Saint Denis en Bujey')[0]?.code).toBe('01345');
  });

  it('honours the limit and suggests nothing for nonsense without a postal code', () => {
    expect(reference.suggestCommuneNames('St-Denis', {}, 1)).toHaveLength(1);
    expect(reference.suggestCommuneNames('Qwxzkv')).toEqual([]);
    expect(reference.suggestCommuneNames('')).toEqual([]);
  });

  it('offers the communes of the postal code when the name is nothing like any', () => {
    expect(codes(reference.suggestCommuneNames('Qwxzkv', { codePostal: '93200' }))).toEqual(['93066']);
  });

  it('bounds the work on a hostile name', () => {
    const start = performance.now();
    reference.suggestCommuneNames('Saint-Denis'.repeat(10_000));
    expect(performance.now() - start).toBeLessThan(2_000); // unbounded work would take minutes
  });
});

describe('departements and territories', () => {
  it('gives the département of a current commune', () => {
    expect(reference.departementOf('93066')).toBe('93');
    expect(reference.departementOf('2B033')).toBe('2B');
    expect(reference.departementOf('97411')).toBe('974');
    expect(reference.departementOf('20004')).toBeUndefined();
  });

  it('gives the numéro-unique territory', () => {
    expect(reference.territoryOf('93')).toBe('111');
    expect(reference.territoryOf('13')).toBe('013');
    expect(reference.territoryOf('2A')).toBe('02A');
    expect(reference.territoryOf('971')).toBe('971');
  });
});

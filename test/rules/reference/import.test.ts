/** `reference import` on the real file formats: INSEE COG communes and La Poste's postal codes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledData, importReference, ReferenceIndex } from '../../../src/rules/reference/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/rules/reference/${name}`, import.meta.url));
const COG = fixture('v_commune_2027.csv');
const HEXAPOSTE = fixture('019HexaSmal.csv');
const complement = bundledData();
const small = { millesime: '2027', complement, minCommunes: 5 };

describe('importReference', () => {
  it('builds an index from the COG and the hexaposte (Latin-1, `;`), as the bundled edition answers', () => {
    const result = importReference(COG, HEXAPOSTE, small);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const index = new ReferenceIndex(result.data);
    expect(index.edition()).toMatchObject({ version: '2027', date: '2027-01-01', communes: 6, arrondissements: 1 });
    expect(index.communesByPostalCode('01000').map((c) => c.code)).toEqual(['01053', '01344']);
    expect(index.communesByPostalCode('75011').map((c) => c.nom)).toEqual(['Paris 11e Arrondissement']);
    expect(index.matchCommuneName('Paris', '75011').map((c) => c.code)).toEqual(['75056']);
    expect(index.communeByCode('2A004')?.codesPostaux).toEqual(['20000', '20090']);
    // A commune déléguée's postal code serves its commune nouvelle; its code is explained.
    expect(index.communeByCode('93066')?.codesPostaux).toEqual(['93200', '93210', '93380']);
    expect(index.retiredCode('93059')).toMatchObject({ currentCode: '93066', nom: 'Pierrefitte-sur-Seine' });
    expect(index.communeByCode('97411')?.departement).toBe('974');
    // Collectivités d'outre-mer stay outside the SNE.
    expect(index.communeByCode('97501')).toBeUndefined();
    // Populations come from the complement, to rank homonyms.
    expect(index.communeByCode('93066')?.population).toBeGreaterThan(100_000);
  });

  it('reads the newer comma-separated "base officielle des codes postaux", restoring leading zeros', () => {
    const result = importReference(COG, fixture('base-officielle-codes-postaux.csv'), small);
    expect(result.ok && new ReferenceIndex(result.data).communesByPostalCode('01000').length).toBe(2);
  });

  it.each([
    ['a COG with a missing column', COG.toString().replace('COMPARENT', 'PARENT'), HEXAPOSTE.toString('latin1'), /COMPARENT/],
    ['a bad commune code', COG.toString().replace('COM,93066', 'COM,9306X'), HEXAPOSTE.toString('latin1'), /ligne 7 : code commune « 9306X »/],
    ['an unknown TYPECOM', COG.toString().replace('ARM,75111', 'XYZ,75111'), HEXAPOSTE.toString('latin1'), /TYPECOM « XYZ »/],
    ['a postal file of another format', COG.toString(), 'insee;cp\n93066;93200\n', /Code_commune_INSEE et Code_postal/],
    ['a bad postal code', COG.toString(), HEXAPOSTE.toString('latin1').replace('93200', '93A00'), /code postal « 93A00 »/],
    ['postal codes of another edition', COG.toString(), HEXAPOSTE.toString('latin1').replace(/^93066/gm, '99999'), /pas du même millésime/],
  ])('refuses %s, saying why', (_name, cog, postal, reason) => {
    const result = importReference(Buffer.from(cog), Buffer.from(postal, 'latin1'), small);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(reason);
  });

  it('refuses a truncated COG: a real one holds some 35,000 communes', () => {
    const result = importReference(COG, HEXAPOSTE, { millesime: '2027', complement });
    expect(!result.ok && result.problems[0]).toMatch(/6 commune\(s\) actuelle\(s\), moins que les 30000/);
  });
});

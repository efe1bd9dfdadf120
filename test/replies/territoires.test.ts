/** Which département's settings an attestation reads: that of its first commune souhaitée. */
import { describe, expect, it } from 'vitest';
import { departementOfDemande } from '../../src/replies/territoires.js';

describe('departementOfDemande', () => {
  it('is the first commune souhaitée’s, whatever the numbering territory', () => {
    expect(departementOfDemande('1111126000001G1104', [{ code: '75056' }, { code: '93066' }])).toBe('75');
    expect(departementOfDemande('1111126000001G1104', [{ code: '93066' }, { code: '75056' }])).toBe('93');
    expect(departementOfDemande('02A1126000001G1104', [{ code: '2A004' }])).toBe('2A');
    expect(departementOfDemande('9741126000001G1104', [{ code: '97411' }])).toBe('974');
  });

  it('falls back on the numéro’s territory when it is one département, none for Île-de-France', () => {
    expect(departementOfDemande('0131126000001G1104', [{ nom: 'Marseille' }])).toBe('13');
    expect(departementOfDemande('02B1126000001G1104', [])).toBe('2B');
    expect(departementOfDemande('1111126000001G1104', [{ nom: 'Paris' }])).toBeUndefined();
  });
});

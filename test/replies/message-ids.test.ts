/** Message-IDs and mail wording: stable, distinct per version and per recipient, no personal data. */
import { describe, expect, it } from 'vitest';
import { courrielCompteRendu } from '../../src/replies/courriels.js';
import { attestationMessageId, compteRenduMessageId } from '../../src/replies/message-ids.js';

const lot = { guichet: 'G1104', identifiantLot: 'BX75-20261126-001', lotId: 7 };

describe('reply Message-IDs', () => {
  it('gives each compte rendu version its own Message-ID, the same one every time', () => {
    const v1 = compteRenduMessageId('sne.test', lot, 1);
    const v2 = compteRenduMessageId('sne.test', lot, 2);
    expect(v1).toBe('<compte-rendu.G1104.BX75-20261126-001.lot7.v1@sne.test>');
    expect(v2).toBe('<compte-rendu.G1104.BX75-20261126-001.lot7.v2@sne.test>');
    expect(compteRenduMessageId('sne.test', lot, 2)).toBe(v2);
    // A lot refused before its identifiant could be read is named by its registry id alone.
    expect(compteRenduMessageId('sne.test', { guichet: 'G1104', lotId: 7 }, 1)).toBe('<compte-rendu.G1104.lot7.v1@sne.test>');
  });

  it('tells two lots under one identifiantLot apart (spec 5: a refused lot and its corrected one)', () => {
    const refused = { ...lot, lotId: 7 };
    const corrected = { ...lot, lotId: 8 };
    expect(compteRenduMessageId('sne.test', refused, 1)).not.toBe(compteRenduMessageId('sne.test', corrected, 1));
    expect(attestationMessageId('sne.test', refused, 'DOS-1', 'CRE')).not.toBe(attestationMessageId('sne.test', corrected, 'DOS-1', 'CRE'));
  });

  it('hashes the reference, and tells the demandeur copy from the guichet attestation', () => {
    const guichet = attestationMessageId('sne.test', lot, 'DUPONT-JEAN-1986', 'CRE');
    const copie = attestationMessageId('sne.test', lot, 'DUPONT-JEAN-1986', 'CRE', 'demandeur');
    const ren = attestationMessageId('sne.test', lot, 'DUPONT-JEAN-1986', 'REN');
    expect(guichet).toMatch(/^<attestation-cre\.G1104\.BX75-20261126-001\.lot7\.[0-9a-f]{16}@sne\.test>$/);
    expect(new Set([guichet, copie, ren]).size).toBe(3);
    for (const id of [guichet, copie, ren]) expect(id).not.toMatch(/DUPONT|JEAN|1986/);
    expect(attestationMessageId('sne.test', lot, 'DUPONT-JEAN-1986', 'CRE')).toBe(guichet);
  });

  it('names the version of a replayed compte rendu in its subject and body', () => {
    const base = { guichet: 'G1104', identifiantLot: 'BX75', messageId: '<m@x>', recu: new Date(0), traite: new Date(0), statut: 'PARTIEL' as const };
    expect(courrielCompteRendu({ ...base, version: 1 }).subject).toBe('Compte rendu du lot BX75');
    const v2 = courrielCompteRendu({ ...base, version: 2 });
    expect(v2.subject).toBe('Compte rendu du lot BX75 (version 2)');
    expect(v2.text).toContain('version 2');
    expect(v2.filename).toBe('compte-rendu-BX75.xml.gpg');
  });
});

/**
 * The verdict as it crosses from the judge thread (issue 15 point 12): packed, a lot's demandes
 * and judgements are one buffer of JSON lines, and come back as they were.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lotError } from '../../src/errors.js';
import { parseLot } from '../../src/lot/parse.js';
import type { CommitInput } from '../../src/pipeline/commit.js';
import { packVerdict, unpackVerdict } from '../../src/pipeline/packed-verdict.js';
import type { Guichet } from '../../src/registry/model.js';
import { judgeDemandes } from '../../src/rules/index.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';

// A valid demande, one that breaks the schema (unreadable), one a rule rejects; "\n" and non-Latin
// characters in a value must not cut a line.
const XML = readFileSync(new URL('../../fixtures/lots/lot-g1301-rejets.xml', import.meta.url), 'utf8').replace(
  '<voie>rue de la République</voie>',
  '<voie>rue de la République&#10;bât. « Ω » 😀</voie>',
);
const GUICHET = { code: 'G1301', departements: ['13'] } as unknown as Guichet;
const RECEPTION = { messageSha256: 'ab'.repeat(32), recuAt: new Date('2026-11-26T09:00:00Z'), traiteAt: new Date('2026-11-26T09:01:00Z'), original: Buffer.alloc(0) };

function judged(): Extract<CommitInput, { kind: 'decoded' }> {
  const parsed = parseLot(new TextEncoder().encode(XML));
  if (!parsed.ok) throw new Error(parsed.error.message);
  const demandes = parsed.lot.demandes.flatMap((lue) => (lue.ok ? [lue.demande] : []));
  const judgements = judgeDemandes(demandes, { guichet: GUICHET, receptionDay: '2026-11-26', reference: loadBundledReference() });
  return { kind: 'decoded', reception: RECEPTION, guichet: GUICHET, decoded: { lot: parsed.lot, empreinte: 'sha256:00', signerFingerprint: 'AAAA' }, judgements };
}

describe('a packed verdict', () => {
  it('gives back the judged lot as it was: demandes read and unreadable, judgements by position', () => {
    const input = judged();
    expect(input.decoded.lot.demandes.map((lue) => lue.ok)).toEqual([true, false, true]);
    expect([...input.judgements.values()].some((j) => j.errors.length > 0)).toBe(true);
    const packed = packVerdict(input);
    expect(unpackVerdict(packed)).toEqual(input);
  });

  it('holds the demandes and judgements in its one buffer only, a line per demande', () => {
    const packed = packVerdict(judged());
    if (packed.kind !== 'packed') throw new Error('packed verdict expected');
    const { demandes, ...rest } = packed;
    expect(demandes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(demandes).split('\n')).toHaveLength(4); // 3 lines, each ended
    expect(JSON.stringify(rest)).not.toContain('MRS-2026-0101');
  });

  it('leaves a verdict without demandes as it is', () => {
    const rejected: CommitInput = { kind: 'rejected', reception: RECEPTION, guichet: GUICHET, error: lotError('LOT_XML') };
    expect(packVerdict(rejected)).toBe(rejected);
    expect(unpackVerdict(rejected)).toBe(rejected);
  });
});

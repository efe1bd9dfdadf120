/**
 * Registry test fixtures: demandes made from the sample lot (real parser), guichets, and lots
 * committed through the real commitLot with the real rules, at an instant the test chooses.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseLot } from '../../src/lot/parse.js';
import { parseNumeroUnique } from '../../src/registry/numero-unique.js';
import { hasDemandeLogement, type Demande, type DemandeLogement, type Personne } from '../../src/lot/types.js';
import { parisDate } from '../../src/clock.js';
import { commitLot, type CommitResult } from '../../src/pipeline/commit.js';
import type { NewGuichet } from '../../src/registry/model.js';
import type { Registry } from '../../src/registry/registry.js';
import { judgeDemandes } from '../../src/rules/index.js';
import { loadBundledReference, type ReferenceIndex } from '../../src/rules/reference/index.js';

const SAMPLE = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));

let reference: ReferenceIndex | undefined;
export const referenceIndex = (): ReferenceIndex => (reference ??= loadBundledReference());

/** The first demande of the sample lot (Saint-Denis, territory 111). */
export function sampleDemandeLogement(): DemandeLogement {
  const parsed = parseLot(SAMPLE);
  if (!parsed.ok) throw new Error(`sample lot unreadable: ${parsed.error.code}`);
  const first = parsed.lot.demandes[0]!;
  if (!first.ok || !hasDemandeLogement(first.demande)) throw new Error('sample demande unreadable');
  return first.demande.demandeLogement;
}

export const G1104: NewGuichet = {
  code: 'G1104',
  nom: 'Bailleur de test',
  adresse: '1 place de la Mairie\n93200 Saint-Denis',
  expediteurs: ['lots@g1104.example'],
  destinataires: ['retours@g1104.example'],
  cles: [{ fingerprint: 'AAAA', armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----' }],
  departements: ['93', '75'],
};
export const G2000: NewGuichet = { ...G1104, code: 'G2000', nom: 'Autre bailleur', expediteurs: ['lots@g2000.example'], destinataires: ['retours@g2000.example'], departements: ['93', '75'] };
export const G1301: NewGuichet = { ...G1104, code: 'G1301', nom: 'Bailleur marseillais', expediteurs: ['lots@g1301.example'], destinataires: ['retours@g1301.example'], departements: ['13'] };

/** A demande before it gets its place in a lot (Omit distributed over the union). */
export type SansPosition = Demande extends infer D ? (D extends Demande ? Omit<D, 'position'> : never) : never;

type Identite = Partial<Personne>;

export function withDemandeur(base: DemandeLogement, identite: Identite, extra: Partial<DemandeLogement> = {}): DemandeLogement {
  return { ...base, ...extra, demandeur: { ...base.demandeur, ...identite } };
}

export const cre = (reference: string, demandeLogement: DemandeLogement): SansPosition => ({ typeFichier: 'CRE', reference, demandeLogement });
export const ren = (reference: string, numUnique: string, demandeLogement: DemandeLogement): SansPosition => ({
  typeFichier: 'REN',
  reference,
  demandeLogement: { ...demandeLogement, numUnique },
});
export const mod = (reference: string, numUnique: string, demandeLogement: DemandeLogement): SansPosition => ({
  typeFichier: 'MOD',
  reference,
  demandeLogement: { ...demandeLogement, numUnique },
});
export const rad = (
  reference: string,
  radiation: { numUnique: string; motif: string; sousMotif?: string; dateEffet?: string },
): SansPosition => ({ typeFichier: 'RAD', reference, radiation });

let lotCounter = 0;

/** When the gateway received the lot and when it processed it; one instant stands for both. */
export type Instants = Date | { readonly recuAt: Date; readonly traiteAt: Date };

/** Commits one lot of these demandes, sent by `guichet` and received and processed `at`, as the pipeline would. */
export async function commitDemandes(
  registry: Registry,
  guichetCode: string,
  demandes: readonly SansPosition[],
  at: Instants,
  identifiantLot = `LOT-${++lotCounter}-${randomBytes(3).toString('hex')}`,
): Promise<CommitResult> {
  const { recuAt, traiteAt } = at instanceof Date ? { recuAt: at, traiteAt: at } : at;
  const guichet = (await registry.getGuichet(guichetCode))!;
  const positioned = demandes.map((d, i) => ({ ...d, position: i + 1 }) as Demande);
  const judgements = judgeDemandes(positioned, { guichet, receptionDay: parisDate(recuAt), reference: referenceIndex() });
  const original = Buffer.from(`lot ${identifiantLot} ${randomBytes(8).toString('hex')}`);
  return await registry.transaction(async (tx) =>
    commitLot(
      tx,
      {
        kind: 'decoded',
        reception: { messageSha256: randomBytes(32).toString('hex'), recuAt, traiteAt, original },
        guichet,
        decoded: {
          lot: {
            entete: { guichet: guichetCode, identifiantLot, dateFichier: recuAt.toISOString(), nombreDemandes: demandes.length },
            demandes: positioned.map((demande) => ({ ok: true as const, demande })),
          },
          empreinte: `sha256:${randomBytes(32).toString('hex')}`,
          signerFingerprint: 'AAAA',
        },
        judgements,
      },
      { messageIdDomain: 'sne-gateway.test' },
    ),
  );
}

/**
 * Two instances' numéros of one territory and month (111, 11/26): all distinct, gap-free from 1,
 * and interleaved (both really ran at once).
 */
export function expectGapFreeAndInterleaved(fromA: readonly string[], fromB: readonly string[], expected: number): void {
  const all = [...fromA, ...fromB];
  expect(all).toHaveLength(expected);
  expect(new Set(all).size).toBe(all.length);
  const sequences = all.map((n) => parseNumeroUnique(n)!).filter((p) => p.territoire === '111' && p.mmyy === '1126').map((p) => p.sequence);
  expect(sequences.sort((x, y) => x - y)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  const seqA = fromA.map((n) => parseNumeroUnique(n)!.sequence);
  expect(Math.max(...seqA)).toBeGreaterThan(Math.min(...fromB.map((n) => parseNumeroUnique(n)!.sequence)));
}

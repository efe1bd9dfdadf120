/**
 * The lots of the multi-instance kill tests and what must hold of them afterwards (spec 10):
 * each committed once, each valid demande registered once and each invalid one rejected, the
 * numéros unique and gap-free per territory and month, and every reply sent.
 */
import { expect } from 'vitest';
import { generate, type GeneratedLot } from '../../bench/lib/generate-lot.js';
import type { Registry } from '../../src/registry/registry.js';

export const KILL_DEMANDES = 5;

/** `count` lots of several demandes, some invalid (an e-mail address, an unknown commune, a birth date), by identifiantLot. */
export function killLots(count: number, prefix: string): Map<string, GeneratedLot> {
  const lots = new Map<string, GeneratedLot>();
  for (let i = 1; i <= count; i++) {
    const identifiantLot = `${prefix}-${String(i).padStart(2, '0')}`;
    const lot = generate({ demandes: KILL_DEMANDES, seed: 100 + i, identifiantLot, rejections: { mel: 0.2, communeInconnue: 0.1, dateNaissance: 0.1 } });
    if (lot.valid < 2 || lot.valid === KILL_DEMANDES) throw new Error(`${identifiantLot}: wanted valid and invalid demandes`);
    lots.set(identifiantLot, lot);
  }
  return lots;
}

/** Whether every lot is committed and each of its replies sent. */
export async function allCommittedAndSent(registry: Registry, count: number): Promise<boolean> {
  const committed = await registry.listLots();
  if (committed.length < count) return false;
  for (const lot of committed) if ((await registry.outboxForLot(lot.id)).some((item) => item.statut !== 'ENVOYE')) return false;
  return true;
}

/**
 * Asserts what spec 10 requires of the registry once the instances are drained; returns the
 * Message-IDs of the replies (the compte rendu and attestations of every lot, all ENVOYE).
 */
export async function expectEachOnce(registry: Registry, lots: ReadonlyMap<string, GeneratedLot>): Promise<Set<string>> {
  // Every lot committed once: one lot per identifiant, none a doublon of another.
  const committed = await registry.listLots();
  expect(committed.map((lot) => lot.identifiantLot).sort()).toEqual([...lots.keys()].sort());
  expect(committed.every((lot) => lot.doublonDe === undefined && lot.statut === 'PARTIEL')).toBe(true);

  const numeros: string[] = [];
  const messageIds = new Set<string>();
  for (const lot of committed) {
    const generated = lots.get(lot.identifiantLot!)!;
    // Every valid demande registered once, every invalid one rejected.
    const resultats = await registry.lotResultats(lot.id);
    expect(resultats.map((r) => r.position)).toEqual(Array.from({ length: KILL_DEMANDES }, (_, i) => i + 1));
    for (const r of resultats) expect(r.statut, `${lot.identifiantLot} demande ${r.position}`).toBe(generated.rejected.has(r.position) ? 'REJETEE' : 'ENREGISTREE');
    numeros.push(...resultats.flatMap((r) => (r.numeroUnique ? [r.numeroUnique] : [])));
    // Its compte rendu and one attestation per registered demande, each sent.
    const replies = await registry.outboxForLot(lot.id);
    expect(replies).toHaveLength(1 + generated.valid);
    expect(replies.every((item) => item.statut === 'ENVOYE')).toBe(true);
    for (const item of replies) messageIds.add(item.messageId);
  }
  expect(numeros).toHaveLength([...lots.values()].reduce((sum, lot) => sum + lot.valid, 0));
  expect(new Set(numeros).size).toBe(numeros.length);
  // Gap-free per territory and month (the numéro's first 7 characters): 1..N under each.
  const byCounter = new Map<string, number[]>();
  for (const numero of numeros) byCounter.set(numero.slice(0, 7), [...(byCounter.get(numero.slice(0, 7)) ?? []), Number(numero.slice(7, 13))]);
  for (const [counter, sequence] of byCounter) {
    expect(sequence.sort((a, b) => a - b), `counter ${counter}`).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
  }
  expect(messageIds.size).toBe(numeros.length + lots.size);
  return messageIds;
}

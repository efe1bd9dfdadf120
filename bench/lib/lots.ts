/**
 * Lots as the benchmarks send them: generated with a realistic share of rejections, sealed by the
 * guichet, delivered to the running daemon; and the check that the registry did what was expected.
 */
import type { Gateway } from '../../src/app.js';
import { generate, type RejectionCause } from './generate-lot.js';
import { BENCH_GUICHET, type BenchHome } from './home.js';

/** 0.5 % for each of the eight causes: 4 % rejected, as a real guichet's lot might be. */
export const REALISTIC_REJECTIONS: Partial<Record<RejectionCause, number>> = {
  schema: 0.005,
  communeInconnue: 0.005,
  codePostal: 0.005,
  mel: 0.005,
  dateNaissance: 0.005,
  pieceIdentite: 0.005,
  habilitation: 0.005,
  doublon: 0.005,
};

export interface Lot {
  readonly identifiantLot: string;
  readonly xml: Uint8Array;
  readonly raw: Buffer;
  readonly valid: number;
}

export async function sealedLot(home: BenchHome, demandes: number, seed: number, tag: string): Promise<Lot> {
  const identifiantLot = `${tag}-${seed}`;
  const lot = generate({ demandes, seed, identifiantLot, rejections: REALISTIC_REJECTIONS });
  return { identifiantLot, xml: new TextEncoder().encode(lot.xml), raw: await home.seal(lot.xml, identifiantLot), valid: lot.valid };
}

/** The lot's registry outcome must be what the generator made, or the figure measures something else. */
export async function checkLot(gw: Gateway, lot: Lot): Promise<number> {
  const record = await gw.registry.lotByIdentifiant(BENCH_GUICHET.code, lot.identifiantLot);
  if (!record) throw new Error(`lot ${lot.identifiantLot} not committed`);
  const registered = (await gw.registry.lotResultats(record.id)).filter((r) => r.statut === 'ENREGISTREE').length;
  if (registered !== lot.valid) throw new Error(`lot ${lot.identifiantLot}: ${registered} registered, ${lot.valid} expected`);
  return record.id;
}

/**
 * Delivery → every reply in the outgoing Maildir, with the daemon running (which shares this
 * thread). The end is the last reply's link into `new/`, read from the files once they are all
 * there: the wait itself is woken by the outgoing Maildir's events (`outgoingReaches`).
 */
export async function throughDaemon(home: BenchHome, lot: Lot): Promise<number> {
  const expected = home.outgoing() + 1 + lot.valid;
  const delivered = Date.now();
  await home.deliver(lot.raw);
  await home.outgoingReaches(expected);
  return home.lastOutgoingAt() - delivered;
}

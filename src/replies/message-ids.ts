/**
 * Stable Message-IDs for replies (spec 5): derived from the lot and the demande, so a guichet
 * can discard duplicates and a re-sent reply is recognisably the same. No personal data: the
 * demande's reference is hashed.
 */
import { createHash } from 'node:crypto';

export interface LotKey {
  readonly guichet: string;
  readonly identifiantLot?: string;
  readonly lotId: number;
}

const lotPart = (lot: LotKey) => `${lot.guichet}.${lot.identifiantLot ?? `message-${lot.lotId}`}`;

export function compteRenduMessageId(domain: string, lot: LotKey, version: number): string {
  return `<compte-rendu.${lotPart(lot)}.v${version}@${domain}>`;
}

/** `pour: 'demandeur'`: the copy to the demandeur's own address, a message of its own. */
export function attestationMessageId(
  domain: string,
  lot: LotKey,
  reference: string,
  kind: 'CRE' | 'REN',
  pour?: 'demandeur',
): string {
  const demande = createHash('sha256').update(reference).digest('hex').slice(0, 16);
  const copie = pour === undefined ? '' : `-${pour}`;
  return `<attestation-${kind.toLowerCase()}${copie}.${lotPart(lot)}.${demande}@${domain}>`;
}

/**
 * Stable Message-IDs for replies (spec 5): derived from the lot and the demande, so a guichet
 * can discard duplicates and a re-sent reply is recognisably the same. No personal data: the
 * demande's reference is hashed.
 *
 * The same Message-ID must always mean the same reply (spec 5, v1.1). The lot is named by its
 * registry row (`lot<id>`), not by its `identifiantLot` alone: a lot refused as a whole and the
 * corrected lot sent later under the same identifiant are two rows, so two Message-IDs. A re-sent
 * reply (re-delivery, spec 4.1) is a copy of the stored outbox row, Message-ID included: it is
 * never derived again.
 */
import { createHash } from 'node:crypto';

export interface LotKey {
  readonly guichet: string;
  readonly identifiantLot?: string;
  /** The lot's registry row: what tells two lots under one identifiant apart. */
  readonly lotId: number;
}

/** The identifiant stays for a reader of the headers; the row id makes the name unique. */
const lotPart = (lot: LotKey) => `${lot.guichet}.${lot.identifiantLot === undefined ? '' : `${lot.identifiantLot}.`}lot${lot.lotId}`;

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
  const copie = pour === undefined ? '' : `-${pour}`;
  return `<attestation-${kind.toLowerCase()}${copie}.${lotPart(lot)}.${referencePart(reference)}@${domain}>`;
}

/** A copie numérique (COP, spec 8): one per demande of its lot, like an attestation. */
export function copieMessageId(domain: string, lot: LotKey, reference: string): string {
  return `<copie.${lotPart(lot)}.${referencePart(reference)}@${domain}>`;
}

const referencePart = (reference: string): string => createHash('sha256').update(reference).digest('hex').slice(0, 16);

/** A bailleur's digest: its sequence number names it (one Message-ID per digest, for ever). */
export function dispatchingMessageId(domain: string, guichet: string, sequence: number): string {
  return `<dispatching.${guichet}.${sequence}@${domain}>`;
}

/**
 * A préavis de renouvellement (spec 5.3): one per demande and anniversary, so named by them (the
 * numéro hashed) and by the guichet it is mailed to; not threaded under any lot.
 */
export function preavisMessageId(domain: string, guichet: string, numeroUnique: string, anniversaire: string, pour?: 'demandeur'): string {
  const demande = createHash('sha256').update(numeroUnique).digest('hex').slice(0, 16);
  const copie = pour === undefined ? '' : `-${pour}`;
  return `<preavis${copie}.${guichet}.${demande}.${anniversaire.replaceAll('-', '')}@${domain}>`;
}

/**
 * A reply's document as stored in the outbox with the lot's outcome: JSON now, rendered into
 * an encrypted message later (so a crash between the two only delays the rendering).
 */
import type { AttestationData, CompteRenduData, CopieData, DispatchingData, PreavisData } from './types.js';

export type ReplyDocument =
  | { readonly kind: 'compte-rendu'; readonly data: CompteRenduData }
  | { readonly kind: 'dispatching'; readonly data: DispatchingData }
  | { readonly kind: 'copie'; readonly data: CopieData }
  | {
      readonly kind: 'attestation';
      readonly data: AttestationData;
      /** The copy mailed to the demandeur's own `mel` (setting replies.copyAttestationToDemandeur). */
      readonly pour?: 'demandeur';
    }
  | {
      readonly kind: 'preavis';
      readonly data: PreavisData;
      /** The copy mailed to the demandeur's own `mel` (the département's setting allows it). */
      readonly pour?: 'demandeur';
    };

export function encodeDocument(document: ReplyDocument): string {
  return JSON.stringify(document);
}

export function decodeDocument(json: string): ReplyDocument {
  const document = JSON.parse(json) as ReplyDocument;
  if (document.kind === 'preavis') return { ...document, data: { ...document.data, issuedAt: new Date(document.data.issuedAt) } };
  if (document.kind === 'attestation') {
    return { ...document, data: { ...document.data, issuedAt: new Date(document.data.issuedAt) } };
  }
  if (document.kind === 'dispatching' || document.kind === 'copie') return document;
  const { lot } = document.data;
  return {
    kind: 'compte-rendu',
    data: { ...document.data, lot: { ...lot, recu: new Date(lot.recu), traite: new Date(lot.traite) } },
  };
}

/**
 * From the OpenPGP payload to the parsed lot: every envelope stage in order, each ending the lot
 * with its lot-level code (spec 4.1). Pure but for the decryption's promise.
 */
import { decryptAndVerify, type PrivateKeyring } from '../crypto/index.js';
import { lotError, type LotError } from '../errors.js';
import { readPgpMimeEntity } from '../mail/mime-in.js';
import { collectGarbage, LARGE_LOT } from '../memory.js';
import type { Guichet } from '../registry/model.js';
import { parseLot } from '../lot/parse.js';
import { extractLotXml } from '../lot/payload.js';
import type { ParsedLot } from '../lot/types.js';
import type { LotPayload } from './open.js';
import { sha256Hex } from './sha256.js';

export interface DecodedLot {
  readonly lot: ParsedLot;
  /** `sha256:<hex>` of the lot XML: the lot's content identity (spec 4.1, exactly-once). */
  readonly empreinte: string;
  readonly signerFingerprint: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly value: DecodedLot }
  | { readonly ok: false; readonly error: LotError; readonly partial?: { identifiantLot?: string; empreinte?: string } };

export async function decodeLot(message: LotPayload, guichet: Guichet, keyring: PrivateKeyring): Promise<DecodeResult> {
  const decrypted = await decryptAndVerify(
    message.content,
    keyring,
    guichet.cles.map((c) => c.armored),
  );
  if (!decrypted.ok) return decrypted;

  let payload = decrypted.value.payload;
  if (message.pgpMime) {
    const entity = await readPgpMimeEntity(payload);
    if (!entity.ok) return entity;
    payload = entity.value;
  }
  const xml = extractLotXml(payload);
  if (!xml.ok) return xml;
  // The inflater's output chunks (~the XML's size again) go before the parse builds the lot's objects.
  if (xml.value.length > LARGE_LOT.xmlBytes) collectGarbage();

  const empreinte = `sha256:${sha256Hex(xml.value)}`;
  const parsed = parseLot(xml.value);
  if (!parsed.ok) return { ok: false, error: parsed.error, partial: { empreinte } };

  const { entete } = parsed.lot;
  if (entete.guichet !== guichet.code) {
    return {
      ok: false,
      error: lotError(
        'LOT_GUICHET',
        `Le guichet de l'en-tête (${entete.guichet}) n'est pas le guichet expéditeur (${guichet.code}) : un lot ne peut être déposé que par son guichet.`,
      ),
      partial: { identifiantLot: entete.identifiantLot, empreinte },
    };
  }
  return { ok: true, value: { lot: parsed.lot, empreinte, signerFingerprint: decrypted.value.signerFingerprint } };
}

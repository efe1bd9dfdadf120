/**
 * One message through the stages: envelope → sender → decryption → payload → schema → rules →
 * one registry transaction. The only try/catch of the pipeline: any failure becomes a typed
 * outcome, and one bad message never stalls the mailbox.
 */
import { parisDate, type Clock } from '../clock.js';
import type { PrivateKeyring } from '../crypto/index.js';
import { lotError } from '../errors.js';
import type { Logger } from '../log.js';
import { readLotMessage } from '../mail/mime-in.js';
import type { InboundMessage, SettledFolder } from '../mail/types.js';
import type { LotRecord, Registry } from '../registry/types.js';
import { judgeDemandes } from '../rules/index.js';
import type { ReferenceIndex } from '../rules/reference/index.js';
import { commitLot, type CommitInput, type CommitSettings, type Reception } from './commit.js';
import { decodeLot, sha256Hex } from './decode.js';

export interface PipelineDeps {
  readonly registry: Registry;
  readonly keyring: PrivateKeyring;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: CommitSettings;
  readonly reference: ReferenceIndex;
}

export type Outcome =
  | { readonly kind: 'committed'; readonly lot: LotRecord; readonly folder: SettledFolder; readonly alreadyCommitted: boolean }
  /** Not committed: the message stays in the inbox and is tried again later. */
  | { readonly kind: 'retry-later'; readonly reason: string };

export function folderFor(lot: LotRecord): SettledFolder {
  if (lot.statut === 'QUARANTAINE') return 'Quarantaine';
  return lot.statut === 'REJETE' ? 'Rejetes' : 'Traites';
}

export async function processMessage(message: InboundMessage, deps: PipelineDeps): Promise<Outcome> {
  const messageSha256 = sha256Hex(message.raw);
  const log = deps.logger.child({ source: message.sourceId, message: messageSha256.slice(0, 16) });
  try {
    const known = deps.registry.lotByMessageSha256(messageSha256);
    if (known) {
      log.info({ lotId: known.id, statut: known.statut }, 'message already committed; settling it');
      return { kind: 'committed', lot: known, folder: folderFor(known), alreadyCommitted: true };
    }
    const input = await judgeMessage(message, messageSha256, deps);
    const result = deps.registry.transaction((tx) => commitLot(tx, input, deps.settings));
    const { lot } = result;
    log.info(
      { lotId: lot.id, guichet: lot.guichet, identifiantLot: lot.identifiantLot, statut: lot.statut, erreurs: lot.erreurs.map((e) => e.code), doublonDe: lot.doublonDe },
      'lot committed',
    );
    return { kind: 'committed', lot, folder: folderFor(lot), alreadyCommitted: result.alreadyCommitted };
  } catch (error) {
    log.error({ err: error }, 'message could not be processed; it stays in the inbox');
    return { kind: 'retry-later', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Every stage before the registry: what the transaction will have to commit for this message. */
export async function judgeMessage(message: InboundMessage, messageSha256: string, deps: PipelineDeps): Promise<CommitInput> {
  const now = deps.clock.now();
  const base = { messageSha256, recuAt: message.receivedAt, traiteAt: now, original: message.raw };
  const parsed = await readLotMessage(message.raw, { sizeBytes: message.sizeBytes });
  const envelope = parsed.ok ? parsed.value : parsed.envelope;
  const reception: Reception = {
    ...base,
    ...(envelope === undefined ? {} : { expediteur: envelope.from }),
    ...(envelope?.messageId === undefined ? {} : { messageId: envelope.messageId }),
  };

  const guichet = envelope === undefined ? undefined : deps.registry.guichetBySender(envelope.from);
  if (!guichet) return { kind: 'quarantine', reception, error: lotError('LOT_EXPEDITEUR_INCONNU') };
  if (!parsed.ok) return { kind: 'rejected', reception, guichet, error: parsed.error };

  const decoded = await decodeLot(parsed.value, guichet, deps.keyring);
  if (!decoded.ok) {
    return { kind: 'rejected', reception, guichet, error: decoded.error, ...decoded.partial };
  }
  const demandes = decoded.value.lot.demandes.flatMap((lue) => (lue.ok ? [lue.demande] : []));
  const judgements = judgeDemandes(demandes, { guichet, today: parisDate(now), reference: deps.reference });
  return { kind: 'decoded', reception, guichet, decoded: decoded.value, judgements };
}

/**
 * A submission opened: who sent it, as its channel authenticates a guichet (a mail's `From`
 * address, an HTTPS request's client certificate), what the registry records of its reception,
 * and its OpenPGP payload. The only stage that knows channels; everything after it is the same.
 */
import { fail, lotError, ok, type LotError, type LotResult } from '../errors.js';
import { LIMITS, tooLarge } from '../limits.js';
import { headerSection } from '../mail/header-section.js';
import type { LotEnvelope } from '../mail/mime-in.js';
import type { Guichet } from '../registry/model.js';
import type { Registry } from '../registry/registry.js';
import type { Reception } from './commit.js';
import type { Submission } from './submission.js';

/** The OpenPGP message of a lot; PGP/MIME (mail only): once decrypted, a MIME entity holding the lot file. */
export interface LotPayload {
  readonly content: Uint8Array;
  readonly pgpMime: boolean;
}

export interface OpenedSubmission {
  readonly reception: Reception;
  /** Undefined: no active guichet sent it (quarantined, no reply; spec 4.1). */
  readonly guichet?: Guichet;
  readonly payload: LotResult<LotPayload>;
}

export type GuichetReads = Pick<Registry, 'guichetBySender' | 'getGuichet'>;

/** Enough for any honest header section; a hostile one is cut (then its From may not be read). */
const HEADER_BYTES = 64 * 1024;

/**
 * `headerOnly`: the submission could not be judged (unjudged.ts) and only who sent it is wanted:
 * of a mail, only its header section is read.
 */
export async function openSubmission(
  submission: Submission,
  messageSha256: string,
  now: Date,
  registry: GuichetReads,
  options: { readonly headerOnly?: boolean } = {},
): Promise<OpenedSubmission> {
  const reception: Reception = {
    canal: submission.canal,
    messageSha256,
    source: submission.source,
    recuAt: submission.receivedAt,
    traiteAt: now,
    original: submission.original,
  };
  if (submission.canal === 'https') {
    const guichet = await registry.getGuichet(submission.guichet);
    const payload: LotResult<LotPayload> =
      submission.sizeBytes > LIMITS.attachmentBytes
        ? fail(tooLarge('attachmentBytes', submission.sizeBytes))
        : ok({ content: submission.original, pgpMime: false });
    return guichet?.actif === true ? { reception, guichet, payload } : { reception, payload };
  }

  const { readLotMessage } = await import('../mail/mime-in.js');
  const parsed = options.headerOnly === true
    ? await readLotMessage(headerSection(submission.original.subarray(0, HEADER_BYTES)))
    : await readLotMessage(submission.original, { sizeBytes: submission.sizeBytes });
  const envelope: LotEnvelope | undefined = parsed.ok ? parsed.value : parsed.envelope;
  const withEnvelope: Reception = {
    ...reception,
    ...(envelope === undefined ? {} : { expediteur: envelope.from }),
    ...(envelope?.messageId === undefined ? {} : { messageId: envelope.messageId }),
  };
  const guichet = envelope === undefined ? undefined : await registry.guichetBySender(envelope.from);
  const payload: LotResult<LotPayload> = parsed.ok ? ok(parsed.value.openpgp) : fail(parsed.error);
  return guichet === undefined ? { reception: withEnvelope, payload } : { reception: withEnvelope, guichet, payload };
}

/** An unknown sender is quarantined with this code (spec 4.1). */
export const unknownSender = (): LotError => lotError('LOT_EXPEDITEUR_INCONNU');

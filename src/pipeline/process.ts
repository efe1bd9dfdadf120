/**
 * One submission through the stages: the channel's guichet → decryption → payload → schema →
 * rules → one registry transaction. The only try/catch of the pipeline: any failure becomes a
 * typed outcome, and one bad message never stalls the mailbox or the HTTPS channel.
 */
import type { Clock } from '../clock.js';
import { holdLease, THIS_PROCESS, type Instance } from '../instance.js';
import type { Logger } from '../log.js';
import { mailSubmission } from '../mail/submission.js';
import type { InboundMessage } from '../mail/types.js';
import type { LotRecord } from '../registry/model.js';
import type { Registry } from '../registry/registry.js';
import { commitLot, settleKnownMessage, type CommitSettings } from './commit.js';
import type { Judge } from './judge.js';
import { sha256Hex } from './sha256.js';
import type { Submission } from './submission.js';
import { refuseUnjudged, UnjudgedMessage } from './unjudged.js';

export interface PipelineDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: CommitSettings;
  /** The stages before the registry: on this thread, or in the judge thread (see daemon.ts). */
  readonly judge: Judge;
  /** Who claims the messages it judges (several instances, spec 10); this process by default. */
  readonly instance?: Instance;
}

export type Outcome =
  | {
      readonly kind: 'committed';
      readonly lot: LotRecord;
      readonly alreadyCommitted: boolean;
      /** The same bytes delivered again: nothing new committed, the lot's compte rendu queued again. */
      readonly redelivered?: boolean;
    }
  /** Not committed: the message stays in the inbox (a request gets a 503) and is tried again later. */
  | { readonly kind: 'retry-later'; readonly reason: string }
  /** Another instance is judging it (spec 10): left to it. */
  | { readonly kind: 'claimed-elsewhere' };

/** A mail message through the pipeline (the daemon then moves it to `folderFor(outcome.lot)`). */
export function processMessage(message: InboundMessage, deps: PipelineDeps): Promise<Outcome> {
  return processSubmission(mailSubmission(message), deps);
}

export async function processSubmission(submission: Submission, deps: PipelineDeps): Promise<Outcome> {
  const messageSha256 = sha256Hex(submission.original);
  const log = deps.logger.child({ canal: submission.canal, source: submission.source, message: messageSha256.slice(0, 16) });
  try {
    if (await deps.registry.lotByMessageSha256(messageSha256)) {
      // Nothing to judge: the same bytes were. Only whether this copy was seen before is decided.
      const reception = { canal: submission.canal, messageSha256, source: submission.source, recuAt: submission.receivedAt };
      const { lot, alreadyCommitted, redelivered } = await deps.registry.transaction(async (tx) => (await settleKnownMessage(tx, reception))!);
      log.info(
        { lotId: lot.id, statut: lot.statut },
        redelivered ? 'message delivered again; its compte rendu is sent again' : 'message already committed; settling it',
      );
      return { kind: 'committed', lot, alreadyCommitted, ...(redelivered === true ? { redelivered } : {}) };
    }
    // Judged by one instance at a time; the commit alone decides what is registered (commit.ts).
    const claim = await holdLease(deps.registry, `message:${messageSha256}`, deps.instance ?? THIS_PROCESS, deps.clock);
    if (claim === undefined) {
      log.debug('message being judged by another instance');
      return { kind: 'claimed-elsewhere' };
    }
    let result;
    try {
      const now = deps.clock.now();
      const input = await deps.judge(submission, messageSha256, now).catch((error: unknown) => {
        if (!(error instanceof UnjudgedMessage)) throw error;
        log.warn({ code: error.error.code, details: error.error.details }, 'message could not be judged; refused as a whole');
        return refuseUnjudged(submission, messageSha256, now, deps.registry, error.error);
      });
      result = await deps.registry.transaction(async (tx) => commitLot(tx, input, deps.settings));
    } finally {
      await claim.release();
    }
    const { lot } = result;
    log.info(
      { lotId: lot.id, guichet: lot.guichet, identifiantLot: lot.identifiantLot, statut: lot.statut, erreurs: lot.erreurs.map((e) => e.code), doublonDe: lot.doublonDe },
      'lot committed',
    );
    return { kind: 'committed', lot, alreadyCommitted: result.alreadyCommitted, ...(result.redelivered === true ? { redelivered: true } : {}) };
  } catch (error) {
    log.error({ err: error }, 'message could not be processed; it stays in the inbox');
    return { kind: 'retry-later', reason: error instanceof Error ? error.message : String(error) };
  }
}

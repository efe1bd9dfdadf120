/**
 * Replay (spec 6): a stored lot's original (a mail message, or an HTTPS request's body) goes through the current stages and rules
 * again — after a habilitation, a reference-data update, or a sender's enrolment (a quarantined
 * lot). Already-registered demandes keep their numéro; only the rejected ones are judged again.
 * A dry run computes the same outcome in a transaction that is rolled back: nothing is
 * registered, numbered or queued.
 */
import { replayCommit, type ReplayChange } from './commit.js';
import type { PipelineDeps } from './process.js';
import type { Submission } from './submission.js';

/**
 * `lot` is the lot as it stands after the replay; in a dry run, as it stands now (its version and
 * times, untouched). `versionApres` is the compte rendu version the replay gives, or would give.
 */
export type ReplayResult = ReplayChange & { readonly dryRun: boolean; readonly versionApres: number };

class DryRunRollback extends Error {
  constructor(readonly change: ReplayChange) {
    super('dry run: rolled back');
  }
}

export interface ReplayOptions {
  readonly dryRun: boolean;
  /** Who replays (`acteurGestionnaire(nom)`): the lot's replays record it. */
  readonly par: string;
}

export async function replayLot(deps: PipelineDeps, lotId: number, options: ReplayOptions): Promise<ReplayResult> {
  const lot = await deps.registry.getLot(lotId);
  const original = lot && await deps.registry.lotOriginal(lotId);
  if (!lot || !original) throw new RangeError(`lot ${lotId} inconnu`);

  // Through the channel it came by: a mail's sender is looked up again, an HTTPS lot is its guichet's.
  const common = { source: `replay:${lotId}`, original, sizeBytes: original.length, receivedAt: new Date(lot.recuAt) };
  const submission: Submission = lot.canal === 'https' ? { canal: 'https', guichet: lot.guichet ?? '', ...common } : { canal: 'mail', ...common };
  const input = await deps.judge(submission, lot.messageSha256, deps.clock.now());
  try {
    const change = await deps.registry.transaction(async (tx) => {
      const result = await replayCommit(tx, (await tx.getLot(lotId))!, input, deps.settings, options.par);
      if (options.dryRun) throw new DryRunRollback(result);
      return result;
    });
    deps.logger.info(
      { lotId, version: change.lot.version, statut: change.after.statut, nouvelles: change.nouvelles, refus: change.refus },
      'lot replayed',
    );
    return { ...change, dryRun: false, versionApres: change.lot.version };
  } catch (error) {
    // The change's lot is the rolled-back one: report the stored lot, and the version it would get.
    if (error instanceof DryRunRollback) return { ...error.change, lot, dryRun: true, versionApres: error.change.lot.version };
    throw error;
  }
}

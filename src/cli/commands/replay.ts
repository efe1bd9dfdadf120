/**
 * `sne-gateway replay LOT… | --status S [--guichet G] [--since D] [--dry-run]` (spec 6): stored
 * lots through the current rules. The dry run prints what would change without touching
 * anything; a real replay queues the new compte rendu and attestations, and sends them at once
 * unless a running daemon holds the registry (it will send them).
 */
import { openGateway, type Gateway } from '../../app.js';
import { acquireRegistryLock, LockHeldError } from '../../daemon-lock.js';
import { outboxDeps, pipelineDeps } from '../../daemon.js';
import { replayLot, type ReplayResult } from '../../pipeline/replay.js';
import { filterLots, findLot, LOT_STATUTS } from '../../pipeline/lot-selection.js';
import { describeReplay } from '../../pipeline/replay-report.js';
import { acteurGestionnaire, type LotRecord } from '../../registry/model.js';
import { outboxPass } from '../../replies/outbox-pass.js';
import { banniereEcole } from '../ecole.js';
import { OperationError, UsageError, type CliContext, type RegisterCommand } from '../context.js';
import { startProgress } from '../progress.js';
import { gestionnaire } from './expire.js';

interface ReplayOptions {
  readonly status?: string;
  readonly guichet?: string;
  readonly since?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

async function selectLots(gateway: Gateway, names: readonly string[], o: ReplayOptions): Promise<LotRecord[]> {
  if (names.length > 0) {
    const lots: LotRecord[] = [];
    for (const name of names) {
      const lot = await findLot(gateway.registry, name, o.guichet);
      if (!lot) throw new OperationError(`Lot « ${name} » introuvable : donnez son numéro ou son identifiant, tels que « sne-gateway lots list » les affiche.`);
      lots.push(lot);
    }
    return lots;
  }
  const statut = o.status === undefined ? undefined : LOT_STATUTS[o.status];
  if (statut === undefined) throw new UsageError('Nommez les lots à rejouer, ou choisissez-les avec --status rejected|partial|quarantined.');
  if (o.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.since)) throw new UsageError(`Date « ${o.since} » invalide : attendu AAAA-MM-JJ.`);
  return filterLots(await gateway.registry.listLots(), {
    statut,
    ...(o.guichet === undefined ? {} : { guichet: o.guichet }),
    ...(o.since === undefined ? {} : { since: o.since }),
  }).filter((l) => l.doublonDe === undefined);
}

async function replay(context: CliContext, names: string[], o: ReplayOptions): Promise<number> {
  const gateway = await openGateway(context.config(), context.logger(), context.clock());
  try {
    const lots = await selectLots(gateway, names, o);
    if (lots.length === 0) {
      context.out(o.json ? '[]' : 'Aucun lot à rejouer.');
      return 0;
    }
    const deps = pipelineDeps(gateway);
    const par = acteurGestionnaire(gestionnaire());
    const results: ReplayResult[] = [];
    // Only for a selection by status: lots named one by one are few.
    const progress = startProgress('lots rejoués', { quiet: o.json === true || names.length > 0 });
    for (const [index, lot] of lots.entries()) {
      const result = await replayLot(deps, lot.id, { dryRun: o.dryRun === true, par });
      results.push(result);
      progress.clear();
      if (!o.json) describeReplay(result).forEach((line) => context.out(line));
      progress.update(index + 1, lots.length);
    }
    progress.end();
    if (o.json) context.out(JSON.stringify(results, null, 2));
    if (!o.dryRun) await sendNow(gateway, context);
    return results.some((r) => r.refus !== undefined) ? 1 : 0;
  } finally {
    await gateway.close();
  }
}

/** Sends the queued replies now, unless a daemon holds the registry: it will send them itself. */
export async function sendNow(gateway: Gateway, context: CliContext): Promise<void> {
  let lock;
  try {
    lock = acquireRegistryLock(gateway.config, gateway.clock);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    context.out('Le démon en cours enverra les réponses.');
    return;
  }
  try {
    const { sent, deferred } = await outboxPass(outboxDeps(gateway));
    context.out(`${sent} réponse(s) envoyée(s)${deferred > 0 ? `, ${deferred} différée(s) (voir « sne-gateway outbox list »)` : ''}.`);
  } finally {
    lock?.release();
  }
}

export const registerReplay: RegisterCommand = (program, context) => {
  program
    .command('replay [lots...]')
    .hook('preAction', banniereEcole(context))
    .description('rejoue des lots enregistrés avec les règles actuelles (les demandes déjà enregistrées gardent leur numéro)')
    .option('--status <statut>', 'rejoue les lots de ce statut : rejected, partial ou quarantined')
    .option('--guichet <code>', "seulement les lots de ce guichet")
    .option('--since <date>', 'seulement les lots reçus depuis cette date (AAAA-MM-JJ)')
    .option('--dry-run', 'montre ce qui changerait, sans rien enregistrer ni envoyer')
    .option('--json', 'sortie JSON')
    .action(async (lots: string[], options: ReplayOptions) => {
      process.exitCode = await replay(context, lots, options);
    });
};

/**
 * `sne-gateway run [--once]`: the daemon, or one pass over what is waiting. Both hold the
 * registry's lock, so that two of them never process the same message; SIGTERM and SIGINT stop
 * the daemon cleanly.
 */
import { openGateway } from '../../app.js';
import type { Clock } from '../../clock.js';
import { acquireRegistryLock } from '../../daemon-lock.js';
import { runDaemon, runOnce } from '../../daemon.js';
import type { Config } from '../../config/schema.js';
import { createLogger } from '../../log.js';
import type { RegisterCommand } from '../context.js';

export const registerRun: RegisterCommand = (program, context) => {
  program
    .command('run')
    .description('lance le démon : relève la boîte de dépôt, traite les lots, envoie les réponses')
    .option('--once', 'traite ce qui attend puis s’arrête (statut 0, ou 1 si un message n’a pu être traité)')
    .action(async (options: { once?: boolean }) => {
      process.exitCode = await runCommand(context.config(), options, context.clock());
    });
};

export async function runCommand(config: Readonly<Config>, options: { once?: boolean }, clock: Clock): Promise<number> {
  const logger = createLogger({ level: config.log.level });
  const lock = acquireRegistryLock(config, clock);
  let gateway;
  try {
    gateway = await openGateway(config, logger, clock);
  } catch (error) {
    lock?.release();
    throw error;
  }
  try {
    if (options.once) {
      const pass = await runOnce(gateway);
      const retry = pass.outcomes.filter((o) => o.kind === 'retry-later').length;
      const committed = pass.outcomes.filter((o) => o.kind === 'committed').length;
      const elsewhere = pass.outcomes.length - retry - committed;
      process.stdout.write(
        `${committed} message(s) traité(s)${elsewhere > 0 ? ` (${elsewhere} autre(s) par une autre instance)` : ''}, ${retry} en attente de nouvel essai ; ${pass.repliesSent} réponse(s) envoyée(s), ${pass.repliesDeferred} différée(s)${pass.repliesFailed > 0 ? `, ${pass.repliesFailed} en échec (durée de vie dépassée)` : ''}.\n`,
      );
      // A reply given up (ECHEC) is a failed operation too: `outbox list --status failed` shows it.
      return retry > 0 || pass.repliesDeferred > 0 || pass.repliesFailed > 0 ? 1 : 0;
    }
    const controller = new AbortController();
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: the messages being processed finish, nothing new is started');
      controller.abort();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await runDaemon(gateway, controller.signal);
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
    return 0;
  } finally {
    await gateway.close();
    lock?.release();
    logger.flush();
  }
}

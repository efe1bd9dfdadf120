/**
 * `sne-gateway expire [--date D] [--dry-run]`: radiates with RADREN the active demandes not
 * renewed by one month after their anniversary (spec 4.5). The daemon does the same daily; a
 * gestionnaire runs it by hand to catch up, or with `--dry-run` to see what would be radiated.
 */
import { userInfo } from 'node:os';
import { expireDemandes, selectExpirees } from '../../registry/expire.js';
import { acteurGestionnaire } from '../../registry/model.js';
import { banniereEcole } from '../ecole.js';
import type { RegisterCommand } from '../context.js';
import { commandDay, DAY_OPTION_HELP } from '../day-option.js';
import { startProgress } from '../progress.js';
import { withRegistry } from './lots.js';

/** The gestionnaire is the system user running the command (no account system of our own). */
export function gestionnaire(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'inconnu';
  }
}

export const registerExpire: RegisterCommand = (program, context) => {
  program
    .command('expire')
    .hook('preAction', banniereEcole(context))
    .description('radie (motif RADREN) les demandes non renouvelées un mois après leur date anniversaire')
    .option('--date <date>', DAY_OPTION_HELP)
    .option('--dry-run', 'affiche ce qui serait radié, sans rien changer')
    .option('--json', 'sortie JSON')
    .action(async (options: { date?: string; dryRun?: boolean; json?: boolean }) => {
      const day = commandDay(context, options.date);
      if (day === undefined) return;
      const progress = startProgress('demandes radiées', { quiet: options.json === true });
      const radiees = await withRegistry(context, async (registry) =>
        options.dryRun
          ? (await selectExpirees(registry, day)).length
          : (await expireDemandes(registry, day, { acteur: acteurGestionnaire(gestionnaire()), at: context.clock().now(), onProgress: progress.update })).radiees,
      );
      progress.end();
      if (options.json) return context.out(JSON.stringify({ date: day, simulation: options.dryRun === true, radiees }));
      context.out(
        options.dryRun
          ? `${radiees} demande(s) seraient radiées pour non-renouvellement (RADREN) au ${day} (simulation : rien n'a changé).`
          : `${radiees} demande(s) radiée(s) pour non-renouvellement (RADREN) au ${day}.`,
      );
    });
};

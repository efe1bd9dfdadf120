/**
 * `sne-gateway preavis [--date D] [--dry-run]`: issues the préavis de renouvellement owed on a
 * day (spec 5.3) — what the daemon does daily beside the expiry. A gestionnaire runs it by hand to
 * catch up, or with `--dry-run` to see how many would be issued.
 */
import { acteurGestionnaire } from '../../registry/model.js';
import { issuePreavis, selectPreavis } from '../../replies/preavis/issue.js';
import { banniereEcole } from '../ecole.js';
import type { RegisterCommand } from '../context.js';
import { commandDay, DAY_OPTION_HELP } from '../day-option.js';
import { gestionnaire } from './expire.js';
import { withRegistry } from './lots.js';

export const registerPreavis: RegisterCommand = (program, context) => {
  program
    .command('preavis')
    .hook('preAction', banniereEcole(context))
    .description('émet les préavis de renouvellement des demandes dont la date anniversaire approche')
    .option('--date <date>', DAY_OPTION_HELP)
    .option('--dry-run', 'affiche combien de préavis seraient émis, sans rien changer')
    .option('--json', 'sortie JSON')
    .action(async (options: { date?: string; dryRun?: boolean; json?: boolean }) => {
      const day = commandDay(context, options.date);
      if (day === undefined) return;
      const config = context.config();
      const settings = { messageIdDomain: config.gateway.messageIdDomain, preavisMois: config.replies.preavisMois, ecole: config.gateway.ecole };
      const emis = await withRegistry(context, async (registry) =>
        options.dryRun
          ? (await selectPreavis(registry, day, settings.preavisMois)).length
          : (await issuePreavis(registry, day, settings, { acteur: acteurGestionnaire(gestionnaire()), at: context.clock().now() })).emis,
      );
      if (options.json) return context.out(JSON.stringify({ date: day, simulation: options.dryRun === true, emis }));
      context.out(
        options.dryRun
          ? `${emis} préavis de renouvellement seraient émis au ${day} (simulation : rien n'a changé).`
          : `${emis} préavis de renouvellement émis au ${day}, en file d'envoi (envoyés par « sne-gateway run »).`,
      );
    });
};

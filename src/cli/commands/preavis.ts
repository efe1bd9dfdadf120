/**
 * `sne-gateway preavis [--date D] [--dry-run]`: issues the préavis de renouvellement owed on a
 * day (spec 5.3) — what the daemon does daily beside the expiry. A gestionnaire runs it by hand to
 * catch up, or with `--dry-run` to see how many would be issued.
 */
import { parisDate } from '../../clock.js';
import { acteurGestionnaire } from '../../registry/model.js';
import { issuePreavis, selectPreavis } from '../../replies/preavis/issue.js';
import { banniereEcole } from '../ecole.js';
import type { RegisterCommand } from '../context.js';
import { gestionnaire, validDay } from './expire.js';
import { withRegistry } from './lots.js';

export const registerPreavis: RegisterCommand = (program, context) => {
  program
    .command('preavis')
    .hook('preAction', banniereEcole(context))
    .description('émet les préavis de renouvellement des demandes dont la date anniversaire approche')
    .option('--date <date>', "jour de référence AAAA-MM-JJ (défaut : aujourd'hui, heure de Paris)")
    .option('--dry-run', 'affiche combien de préavis seraient émis, sans rien changer')
    .option('--json', 'sortie JSON')
    .action(async (options: { date?: string; dryRun?: boolean; json?: boolean }) => {
      if (options.date !== undefined && !validDay(options.date)) {
        context.err(`Date « ${options.date} » invalide : attendu AAAA-MM-JJ.`);
        process.exitCode = 2;
        return;
      }
      const config = context.config();
      const day = options.date ?? parisDate(context.clock().now());
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

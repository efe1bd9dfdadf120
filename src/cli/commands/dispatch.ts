/**
 * `sne-gateway dispatch [--date D] [--dry-run]` and `dispatch list`: the daily dispatching pass
 * (spec 8) by hand — the daemon runs it at the configured hour — and the digests queued so far.
 * The pass only queues the digests; the daemon's outbox (or `run --once`) seals and sends them.
 */
import type { Command } from 'commander';
import { escapeControls } from '../../control-characters.js';
import { planDispatch, runDispatch } from '../../replies/dispatch.js';
import type { CliContext, RegisterCommand } from '../context.js';
import { commandDay } from '../day-option.js';
import { banniereEcole } from '../ecole.js';
import { withRegistry } from './lots.js';


function list(cmd: Command, context: CliContext): void {
  cmd
    .command('list')
    .description('liste les dispatchings envoyés : jour, bailleur, numéro de séquence, événements, état de l’envoi')
    .option('--guichet <code>', "ceux d'un seul bailleur")
    .option('--json', 'sortie JSON')
    // `dispatch` has its own --json, which commander gives the parent: read both levels.
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ guichet?: string; json?: boolean }>();
      const rows = await withRegistry(context, async (registry) => {
        const digests = await registry.listDispatches(options.guichet);
        return await Promise.all(digests.map(async (d) => ({ ...d, envoi: (await registry.getOutbox(d.outboxId))?.statut ?? 'INCONNU' })));
      });
      if (options.json) return context.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return context.out('Aucun dispatching.');
      context.out('jour        bailleur  séq.  événements  envoi       Message-ID');
      for (const r of rows) {
        context.out(
          [r.jour.padEnd(10), escapeControls(r.guichet).padEnd(8), String(r.sequence).padStart(4), String(r.evenements).padStart(10), r.envoi.padEnd(10), escapeControls(r.messageId)].join('  '),
        );
      }
    });
}

export const registerDispatch: RegisterCommand = (program, context) => {
  const cmd = program
    .command('dispatch')
    // On the parent: the banner heads `dispatch` and `dispatch list` alike.
    .hook('preAction', banniereEcole(context))
    .description('envoie le dispatching du jour : à chaque bailleur, les demandes créées, renouvelées, modifiées ou radiées sur ses communes depuis le précédent')
    .option('--date <date>', "jour du dispatching AAAA-MM-JJ (défaut : aujourd'hui, heure de Paris)")
    .option('--dry-run', 'affiche ce qui serait envoyé, sans rien changer')
    .option('--json', 'sortie JSON')
    .action(async (options: { date?: string; dryRun?: boolean; json?: boolean }) => {
      const jour = commandDay(context, options.date);
      if (jour === undefined) return;
      const now = context.clock().now();
      if (options.dryRun) {
        const plan = await withRegistry(context, (registry) => planDispatch(registry, jour));
        const digests = [...plan.digests].map(([guichet, ids]) => ({ guichet, evenements: ids.length }));
        if (options.json) return context.out(JSON.stringify({ jour, simulation: true, evenements: plan.evenements, digests }));
        context.out(`Dispatching du ${jour} (simulation : rien n'a changé) : ${plan.evenements} événement(s), ${digests.length} bailleur(s) destinataire(s).`);
        for (const d of digests) context.out(`  ${escapeControls(d.guichet)}  ${d.evenements} événement(s)`);
        return;
      }
      const config = context.config();
      const outcome = await withRegistry(context, (registry) => runDispatch(registry, jour, now, { messageIdDomain: config.gateway.messageIdDomain }));
      if (outcome.kind === 'later') {
        context.err(`Le dispatching du ${outcome.pass.jour}, postérieur au ${jour}, a déjà été fait : il couvre les événements de ce jour.`);
        process.exitCode = 1;
        return;
      }
      const digests = outcome.digests.map((d) => ({ guichet: d.guichet, sequence: d.sequence, evenements: d.evenements }));
      if (options.json) return context.out(JSON.stringify({ jour, deja: outcome.kind === 'already', digests }));
      context.out(
        outcome.kind === 'already'
          ? `Dispatching du ${jour} déjà fait : ${digests.length} envoi(s), rien de nouveau.`
          : `Dispatching du ${jour} : ${outcome.evenements} événement(s), ${digests.length} envoi(s) mis en file (envoyés par le démon ou « run --once »).`,
      );
      for (const d of digests) context.out(`  ${escapeControls(d.guichet)}  n° ${d.sequence}  ${d.evenements} événement(s)`);
    });
  list(cmd, context);
};

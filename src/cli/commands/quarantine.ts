/**
 * `sne-gateway quarantine list|release|delete`: messages from senders that are no active
 * guichet's address (lots with statut QUARANTAINE, their original message stored in the lot row;
 * no reply was sent). `release` runs the stored original through the pipeline again once the
 * sender is enrolled (spec 6 replay: the quarantine lot becomes that lot); `delete` forgets the
 * message — its original is erased, its lot row kept as the trace of who deleted what and when.
 */
import type { Command } from 'commander';
import { openGateway } from '../../app.js';
import { pipelineDeps } from '../../daemon.js';
import { replayLot } from '../../pipeline/replay.js';
import { describeReplay } from '../../pipeline/replay-report.js';
import { quarantineEntries } from '../../pipeline/quarantine.js';
import { acteurGestionnaire, type LotRecord } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import { banniereEcole } from '../ecole.js';
import { OperationError, type CliContext, type RegisterCommand } from '../context.js';
import { gestionnaire } from './expire.js';
import { withRegistry } from './lots.js';
import { sendNow } from './replay.js';
import { usage } from './territories.js';

/** The quarantined lot named on the command line: a usage error if it is no lot number, a failure if no such lot waits. */
async function quarantined(registry: Registry, name: string, command: Command): Promise<LotRecord> {
  if (!/^\d+$/.test(name)) usage(command, `« ${name} » n'est pas un numéro de lot (voir « sne-gateway quarantine list »).`);
  const lot = await registry.getLot(Number(name));
  if (!lot || lot.statut !== 'QUARANTAINE') throw new OperationError(`Le lot ${name} n'est pas en quarantaine : voyez « sne-gateway quarantine list ».`);
  if (lot.supprimeAt) throw new OperationError(`Le message du lot ${name} a été supprimé le ${lot.supprimeAt} par ${lot.supprimePar ?? '?'}.`);
  return lot;
}

function list(cmd: Command, context: CliContext): void {
  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description("liste les messages en quarantaine (expéditeur inconnu ou guichet désactivé) : reçu le, expéditeur, Message-ID, taille")
    .option('--all', 'y compris les messages supprimés (la trace de leur suppression)')
    .option('--json', 'sortie JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const items = await withRegistry(context, async (registry) => quarantineEntries(registry, options.all === true));
      if (options.json) return context.out(JSON.stringify(items, null, 2));
      if (items.length === 0) return context.out('Aucun message en quarantaine.');
      context.out('  lot  reçu le (UTC)        taille (o)  expéditeur / Message-ID');
      for (const q of items) {
        context.out(`${String(q.lot).padStart(5)}  ${q.recuAt.slice(0, 19).replace('T', ' ')}  ${String(q.taille).padStart(10)}  ${q.expediteur ?? '(expéditeur illisible)'}`);
        context.out(`${' '.repeat(39)}${q.messageId ?? '(sans Message-ID)'}`);
        if (q.supprimeAt) context.out(`${' '.repeat(39)}supprimé le ${q.supprimeAt} par ${q.supprimePar ?? '?'}`);
        else if (q.guichetActuel) context.out(`${' '.repeat(39)}→ expéditeur désormais du guichet ${q.guichetActuel} : sne-gateway quarantine release ${q.lot}`);
      }
      context.out('Pour traiter un message : enrôlez son expéditeur (sne-gateway guichets add … --sender ADRESSE, ou guichets update), puis quarantine release LOT ; sinon quarantine delete LOT.');
    });
}

function release(cmd: Command, context: CliContext): void {
  cmd
    .command('release <lot>')
    .description("traite à nouveau le message d'un lot en quarantaine, une fois son expéditeur enrôlé comme guichet")
    .action(async (name: string, _options: unknown, command: Command) => {
      const gateway = await openGateway(context.config(), context.logger(), context.clock());
      try {
        const lot = await quarantined(gateway.registry, name, command);
        const guichet = lot.expediteur === undefined ? undefined : await gateway.registry.guichetBySender(lot.expediteur);
        if (!guichet) {
          context.err(
            `L'expéditeur ${lot.expediteur ?? '(illisible)'} n'est l'adresse d'aucun guichet actif : enrôlez-le d'abord (sne-gateway guichets add CODE … --sender ${lot.expediteur ?? 'ADRESSE'}, ou guichets update CODE --sender …, ou guichets enable CODE), puis relancez.`,
          );
          process.exitCode = 1;
          return;
        }
        const result = await replayLot(pipelineDeps(gateway), lot.id, { dryRun: false, par: acteurGestionnaire(gestionnaire()) });
        describeReplay(result).forEach((line) => context.out(line));
        if (result.refus !== undefined) {
          process.exitCode = 1;
          return;
        }
        context.out(`✔ lot ${lot.id} sorti de quarantaine (guichet ${guichet.code})`);
        await sendNow(gateway, context);
      } finally {
        await gateway.close();
      }
    });
}

function remove(cmd: Command, context: CliContext): void {
  cmd
    .command('delete <lot>')
    .description("oublie le message d'un lot en quarantaine : son original est effacé, la trace de la suppression est gardée")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withRegistry(context, async (registry) => {
        const lot = await quarantined(registry, name, command);
        const size = await registry.lotOriginalSize(lot.id) ?? 0;
        await registry.deleteQuarantined(lot.id, context.clock().now(), acteurGestionnaire(gestionnaire()));
        context.out(`✔ message du lot ${lot.id} (${lot.expediteur ?? 'expéditeur illisible'}, ${size} octets) supprimé ; la trace reste dans « sne-gateway quarantine list --all ».`);
      });
    });
}

export const registerQuarantine: RegisterCommand = (program, context) => {
  const cmd = program.command('quarantine').description("messages d'expéditeurs inconnus, gardés sans réponse : consulter, traiter après enrôlement, supprimer");
  list(cmd, context);
  release(cmd, context);
  remove(cmd, context);
};

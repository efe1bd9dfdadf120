/**
 * `sne-gateway lots list|show|export`: what happened to each lot, and why — without reading the
 * database. A lot is named by its number (`lots list`) or by its identifiantLot.
 */
import type { Command } from 'commander';
import { openRegistry } from '../../app.js';
import { filterLots, findLot, LOT_STATUTS } from '../../pipeline/lot-selection.js';
import { acteurLabel } from '../../registry/audit-labels.js';
import type { LotRecord } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';

export async function withRegistry<T>(context: CliContext, work: (registry: Registry) => Promise<T> | T): Promise<T> {
  const registry = (await openRegistry(context.config()));
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

function lotNotFound(context: CliContext, name: string): void {
  context.err(`Lot « ${name} » introuvable : donnez son numéro ou son identifiant, tels que « sne-gateway lots list » les affiche.`);
  process.exitCode = 1;
}

const lotLine = (l: LotRecord) =>
  [
    String(l.id).padStart(5),
    l.recuAt.slice(0, 19).replace('T', ' '),
    (l.guichet ?? '—').padEnd(5),
    (l.identifiantLot ?? '—').padEnd(24),
    l.statut.padEnd(11),
    l.doublonDe !== undefined ? `reçu à nouveau (lot ${l.doublonDe})` : l.erreurs.map((e) => e.code).join(', '),
  ].join('  ');

function list(cmd: Command, context: CliContext): void {
  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description('liste les lots reçus, du plus ancien au plus récent')
    .option('--status <statut>', 'accepted, partial, rejected ou quarantined')
    .option('--guichet <code>', "lots d'un guichet")
    .option('--since <date>', 'lots reçus depuis cette date (AAAA-MM-JJ)')
    .option('--json', 'sortie JSON')
    .action(async (options: { status?: string; guichet?: string; since?: string; json?: boolean }) => {
      const statut = options.status === undefined ? undefined : LOT_STATUTS[options.status];
      if (options.status !== undefined && statut === undefined) {
        context.err(`Statut « ${options.status} » inconnu : accepted, partial, rejected ou quarantined.`);
        process.exitCode = 2;
        return;
      }
      if (options.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.since)) {
        context.err(`Date « ${options.since} » invalide : attendu AAAA-MM-JJ.`);
        process.exitCode = 2;
        return;
      }
      const lots = filterLots(await withRegistry(context, async (r) => r.listLots()), {
        ...(statut === undefined ? {} : { statut }),
        ...(options.guichet === undefined ? {} : { guichet: options.guichet }),
        ...(options.since === undefined ? {} : { since: options.since }),
      });
      if (options.json) return context.out(JSON.stringify(lots, null, 2));
      if (lots.length === 0) return context.out('Aucun lot.');
      context.out('  lot  reçu le (UTC)        guich  identifiant               statut       erreurs');
      lots.forEach((l) => context.out(lotLine(l)));
    });
}

function show(cmd: Command, context: CliContext): void {
  cmd
    .command('show <lot>')
    .hook('preAction', banniereEcole(context))
    .description('détaille un lot : statut de chaque demande, numéro unique, erreurs, réponses envoyées')
    .option('--guichet <code>', "guichet du lot, si l'identifiant est ambigu")
    .option('--json', 'sortie JSON')
    .action(async (name: string, options: { guichet?: string; json?: boolean }) => {
      await withRegistry(context, async (registry) => {
        const lot = await findLot(registry, name, options.guichet);
        if (!lot) return lotNotFound(context, name);
        const resultats = await registry.lotResultats(lot.id);
        const replies = (await registry.outboxForLot(lot.id)).map(({ document: _d, raw: _r, ...item }) => item);
        const rejeux = await registry.lotRejeux(lot.id);
        if (options.json) return context.out(JSON.stringify({ lot, resultats, reponses: replies, rejeux }, null, 2));

        context.out(`Lot ${lot.id} — ${lot.identifiantLot ?? 'identifiant illisible'} — guichet ${lot.guichet ?? 'inconnu'} — ${lot.statut} (version ${lot.version})`);
        context.out(`  reçu le ${lot.recuAt}, traité le ${lot.traiteAt}${lot.expediteur ? `, de ${lot.expediteur}` : ''}`);
        if (lot.messageId) context.out(`  Message-ID ${lot.messageId}`);
        if (lot.empreinte) context.out(`  empreinte ${lot.empreinte}`);
        if (lot.doublonDe !== undefined) context.out(`  même lot que le lot ${lot.doublonDe} : rien enregistré, compte rendu renvoyé`);
        for (const j of rejeux) context.out(`  rejoué le ${j.at} par ${acteurLabel(j.par)} : ${j.statut} (version ${j.version})`);
        for (const e of lot.erreurs) context.out(`  ✘ ${e.code} : ${e.message}`);
        for (const r of resultats) {
          context.out(`  [${r.position}] ${r.reference ?? '—'} ${r.typeFichier ?? ''} ${r.statut}${r.numeroUnique ? ` ${r.numeroUnique}` : ''}`);
          for (const e of r.erreurs) {
            context.out(`      ✘ ${e.code} à ${e.chemin}${e.valeur === undefined ? '' : ` (valeur « ${e.valeur} »)`} : ${e.message}`);
            if (e.suggestion) context.out(`        → ${e.suggestion}`);
          }
        }
        context.out('  Réponses :');
        for (const r of replies) {
          const state = r.statut === 'ENVOYE' ? 'envoyée' : r.statut === 'ECHEC' ? 'en échec' : r.statut === 'PRET' ? 'en attente d’envoi' : 'à préparer';
          context.out(`    ${r.kind} ${r.messageId} — ${state}${r.derniereErreur ? ` (dernière erreur : ${r.derniereErreur})` : ''}`);
        }
      });
    });
}

function exportOriginal(cmd: Command, context: CliContext): void {
  cmd
    .command('export <lot>')
    .description("écrit sur la sortie standard le message d'origine du lot, tel que reçu (chiffré)")
    .requiredOption('--original', "le message d'origine (seul export disponible)")
    .option('--guichet <code>', "guichet du lot, si l'identifiant est ambigu")
    .action(async (name: string, options: { guichet?: string }) => {
      await withRegistry(context, async (registry) => {
        const lot = await findLot(registry, name, options.guichet);
        if (lot?.supprimeAt) {
          context.err(`Le message du lot ${lot.id} a été supprimé le ${lot.supprimeAt} par ${lot.supprimePar ?? '?'} (quarantine delete) : il n'est plus disponible.`);
          process.exitCode = 1;
          return;
        }
        const original = lot && await registry.lotOriginal(lot.id);
        if (!original) return lotNotFound(context, name);
        process.stdout.write(original);
      });
    });
}

export const registerLots: RegisterCommand = (program, context) => {
  const cmd = program.command('lots').description('consulter les lots reçus');
  list(cmd, context);
  show(cmd, context);
  exportOriginal(cmd, context);
};

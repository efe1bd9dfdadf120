/**
 * `sne-gateway outbox list|retry|show`: the replies' queue, as Postfix's `postqueue -p` shows
 * its own — what waits, why, since when, and the next attempt. `retry` makes replies due now (a
 * running daemon sends them within its poll interval; `run --once` otherwise); a reply given up
 * (ECHEC) gets a new lifetime, and every retry is recorded with who asked for it. Headers of a
 * reply hold no personal data by design (src/replies/courriels.ts), its body is never printed.
 */
import type { Command } from 'commander';
import { readIdentifyingHeaders } from '../../mail/mime-in.js';
import { acteurGestionnaire, type LotRecord, type OutboxItem, type OutboxStatut } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';
import { gestionnaire } from './expire.js';
import { withRegistry } from './lots.js';
import { usage } from './territories.js';

/** `--status` values: plain words for scripts, or the registry's statuts. */
const FILTERS: Readonly<Record<string, readonly OutboxStatut[]>> = {
  waiting: ['A_PREPARER', 'PRET'],
  failed: ['ECHEC'],
  sent: ['ENVOYE'],
  all: ['A_PREPARER', 'PRET', 'ECHEC', 'ENVOYE'],
  a_preparer: ['A_PREPARER'],
  pret: ['PRET'],
  echec: ['ECHEC'],
  envoye: ['ENVOYE'],
};
/** By default, like `postqueue -p`: what has not left. */
const DEFAULT_FILTER: readonly OutboxStatut[] = ['A_PREPARER', 'PRET', 'ECHEC'];

const ETATS: Readonly<Record<OutboxStatut, string>> = {
  A_PREPARER: 'à préparer',
  PRET: 'en attente',
  ENVOYE: 'envoyée',
  ECHEC: 'en échec',
};

/** A reply as listed: its queue state, never its document nor its bytes. */
export interface OutboxEntry extends Omit<OutboxItem, 'document' | 'raw'> {
  /** When it was queued: its lot's processing time. */
  readonly depuis?: string;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  /** Its size once prepared (signed, encrypted and built), in bytes. */
  readonly taille?: number;
}

function entry(item: OutboxItem, lot: LotRecord | undefined): OutboxEntry {
  const { document: _document, raw, ...state } = item;
  return {
    ...state,
    ...(lot ? { depuis: lot.traiteAt } : {}),
    ...(lot?.guichet ? { guichet: lot.guichet } : {}),
    ...(lot?.identifiantLot ? { identifiantLot: lot.identifiantLot } : {}),
    ...(raw ? { taille: raw.length } : {}),
  };
}

async function entries(registry: Registry, statuts: readonly OutboxStatut[]): Promise<OutboxEntry[]> {
  const lots = new Map<number, LotRecord | undefined>();
  const lotOf = async (id: number | undefined) => (id === undefined ? undefined : lots.has(id) ? lots.get(id) : lots.set(id, await registry.getLot(id)).get(id));
  const items: OutboxItem[] = [];
  for (const s of statuts) items.push(...(await registry.outboxByStatut(s)));
  const result: OutboxEntry[] = [];
  for (const item of items.sort((a, b) => a.id - b.id)) result.push(entry(item, await lotOf(item.lotId)));
  return result;
}

const time = (iso: string | undefined) => (iso === undefined ? '—' : iso.slice(0, 19).replace('T', ' '));

/** When it will be tried next, in words. */
function nextAttempt(e: OutboxEntry): string {
  if (e.statut === 'A_PREPARER') return 'prochain passage';
  if (e.statut !== 'PRET') return '—';
  return e.prochaineTentative === undefined ? 'dès que possible' : time(e.prochaineTentative);
}

function list(cmd: Command, context: CliContext): void {
  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description("liste les réponses qui n'ont pas été envoyées (ou celles du statut choisi) : depuis quand, combien d'essais, pourquoi, prochain essai")
    .option('--status <statut>', 'waiting (à préparer ou en attente), failed (en échec), sent (envoyées) ou all')
    .option('--json', 'sortie JSON')
    .action(async (options: { status?: string; json?: boolean }, command: Command) => {
      const statuts = options.status === undefined ? DEFAULT_FILTER : FILTERS[options.status.toLowerCase()];
      if (statuts === undefined) return usage(command, `statut « ${options.status} » inconnu : waiting, failed, sent ou all.`);
      const items = await withRegistry(context, (registry) => entries(registry, statuts));
      if (options.json) return context.out(JSON.stringify(items, null, 2));
      if (items.length === 0) return context.out(options.status === undefined ? "File d'envoi vide : toutes les réponses sont parties." : 'Aucune réponse de ce statut.');
      context.out('   id  état         en file depuis (UTC)  essais  prochain essai (UTC)  lot    type          destinataires');
      for (const e of items) {
        context.out(
          [
            String(e.id).padStart(5),
            ETATS[e.statut].padEnd(11),
            time(e.depuis).padEnd(20),
            String(e.tentatives).padStart(6),
            nextAttempt(e).padEnd(20),
            String(e.lotId ?? '—').padEnd(5),
            e.kind.padEnd(12),
            (e.restants ?? e.destinataires).join(', '),
          ].join('  '),
        );
        if (e.derniereErreur && e.statut !== 'ENVOYE') context.out(`       (${e.derniereErreur})`);
      }
      const counts = DEFAULT_FILTER.map((s) => [s, items.filter((e) => e.statut === s).length] as const).filter(([, n]) => n > 0);
      if (counts.length > 0) context.out(`-- ${counts.map(([s, n]) => `${n} ${ETATS[s]}`).join(', ')}`);
    });
}

function show(cmd: Command, context: CliContext): void {
  cmd
    .command('show <id>')
    .hook('preAction', banniereEcole(context))
    .description("détaille une réponse : en-têtes, état, essais, refus de chaque destinataire, relances")
    .option('--json', 'sortie JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      if (!/^\d+$/.test(id)) return usage(command, `« ${id} » n'est pas un numéro de réponse (voir « sne-gateway outbox list »).`);
      const found = await withRegistry(context, async (registry) => {
        const item = await registry.getOutbox(Number(id));
        return item && { item, lot: item.lotId === undefined ? undefined : await registry.getLot(item.lotId) };
      });
      if (!found) return notFound(context, id);
      const { item, lot } = found;
      const headers = item.raw ? await readIdentifyingHeaders(item.raw) : [];
      const e = entry(item, lot);
      if (options.json) return context.out(JSON.stringify({ ...e, entetes: Object.fromEntries(headers.map((h) => [h.name, h.value])) }, null, 2));

      context.out(`Réponse ${e.id} — ${e.kind} du lot ${e.lotId}${e.identifiantLot ? ` (${e.identifiantLot}, guichet ${e.guichet ?? '?'})` : ''} — ${ETATS[e.statut]}`);
      if (headers.length === 0) context.out(`  Message-ID: ${e.messageId} (message pas encore préparé)`);
      for (const h of headers) context.out(`  ${h.name}: ${h.value}`);
      context.out(`  en file depuis : ${e.depuis ?? '?'}${e.taille === undefined ? '' : ` ; taille ${e.taille} octets`}`);
      context.out(`  essais : ${e.tentatives}${e.premiereTentative ? `, le premier le ${e.premiereTentative}` : ''}`);
      if (e.statut === 'PRET') context.out(`  prochain essai : ${e.prochaineTentative ?? 'dès que possible'}`);
      if (e.envoyeAt) context.out(`  envoyée le ${e.envoyeAt}`);
      if (e.echecAt) context.out(`  abandonnée le ${e.echecAt} (durée de vie dépassée)`);
      if (e.derniereErreur && e.statut !== 'ENVOYE') context.out(`  dernière erreur : ${e.derniereErreur}`);
      if (e.restants) context.out(`  reste à livrer à : ${e.restants.join(', ')}`);
      for (const r of e.refus) context.out(`  ✘ refusée par le serveur pour ${r.adresse} le ${r.at} : ${r.reponse}`);
      for (const r of e.relances) context.out(`  ↻ relancée le ${r.at} par ${r.par} (alors ${ETATS[r.statutAvant]})`);
      if (e.statut === 'PRET' || e.statut === 'ECHEC') context.out(`  → pour la renvoyer maintenant : sne-gateway outbox retry ${e.id}`);
    });
}

function retry(cmd: Command, context: CliContext): void {
  cmd
    .command('retry [ids...]')
    .description('rend des réponses en attente ou en échec envoyables tout de suite (une réponse en échec repart pour une nouvelle durée de vie)')
    .option('--all', 'toutes les réponses en attente ou en échec')
    .action(async (ids: string[], options: { all?: boolean }, command: Command) => {
      if (options.all && ids.length > 0) return usage(command, 'donnez des numéros de réponse ou --all, pas les deux.');
      if (!options.all && ids.length === 0) return usage(command, 'donnez les numéros des réponses à renvoyer (voir « sne-gateway outbox list »), ou --all.');
      const bad = ids.filter((id) => !/^\d+$/.test(id));
      if (bad.length > 0) return usage(command, `numéro(s) de réponse invalide(s) : ${bad.join(', ')}`);
      const par = acteurGestionnaire(gestionnaire());
      let failed = 0;
      let retried = 0;
      await withRegistry(context, async (registry) => {
        const targets = options.all ? [...await registry.outboxByStatut('PRET'), ...await registry.outboxByStatut('ECHEC')].map((i) => i.id).sort((a, b) => a - b) : ids.map(Number);
        for (const id of targets) {
          const before = await registry.getOutbox(id);
          if (!before) {
            notFound(context, String(id));
            failed++;
            continue;
          }
          if (await registry.retryOutbox(id, context.clock().now(), par) === undefined) {
            context.err(
              before.statut === 'ENVOYE'
                ? `Réponse ${id} déjà envoyée le ${before.envoyeAt ?? '?'} : rien à renvoyer ; pour renvoyer le compte rendu, rejouez le lot (sne-gateway replay ${before.lotId}).`
                : `Réponse ${id} pas encore préparée : elle le sera au prochain passage (sne-gateway run --once, ou le démon).`,
            );
            failed++;
            continue;
          }
          retried++;
          context.out(`✔ réponse ${id} (${before.kind}, lot ${before.lotId}) ${before.statut === 'ECHEC' ? 'remise en file après échec, pour une nouvelle durée de vie' : 'à envoyer maintenant'}`);
        }
      });
      if (options.all && retried === 0 && failed === 0) context.out('Aucune réponse en attente ni en échec.');
      else if (retried > 0) context.out('Le démon les enverra à son prochain passage ; sans démon : sne-gateway run --once.');
      process.exitCode = failed > 0 ? 1 : 0;
    });
}

function notFound(context: CliContext, id: string): void {
  context.err(`Réponse ${id} introuvable : voyez « sne-gateway outbox list --status all ».`);
  process.exitCode = 1;
}

export const registerOutbox: RegisterCommand = (program, context) => {
  const cmd = program.command('outbox').description("file d'envoi des réponses (comptes rendus, attestations) : consulter, relancer");
  list(cmd, context);
  show(cmd, context);
  retry(cmd, context);
};
